import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { newSigningKeyPem } from './jwt';
import type { RefreshRecord } from './grants';

/**
 * The identity state that must survive a restart: tenant and app ids (configs and MSAL caches point at them),
 * the app secret, the signing key, live refresh-token hashes, and the app's application permissions and registered
 * certificates, so a mailbox linked in the demo stays linked after `npm start` restarts. Mail, users and app scopes
 * are not persisted.
 */

const refreshSchema = z.object({
  hash: z.string(),
  familyId: z.string(),
  userOid: z.string(),
  tenantId: z.string(),
  clientId: z.string(),
  consent: z.record(z.string(), z.array(z.string())),
  oidc: z.array(z.string()),
  issuedAt: z.number(),
  expiresAt: z.number(),
  spa: z.boolean(),
});

const stateSchema = z.object({
  version: z.literal(1),
  tenantId: z.string(),
  clientId: z.string(),
  clientSecret: z.string(),
  signingKeyPem: z.string(),
  refreshTokens: z.array(refreshSchema),
  /** The app registration's settings the control API changes (absent in files from before them: the defaults). */
  graphApplicationPermissions: z.array(z.string()).optional(),
  /** Certificates registered on the app (PEM, public part only). */
  certificates: z.array(z.string()).optional(),
});

export type IdentityState = z.infer<typeof stateSchema>;

export class IdentityStateFile {
  readonly state: IdentityState;

  constructor(private readonly file: string) {
    this.state = this.load() ?? {
      version: 1,
      tenantId: crypto.randomUUID(),
      clientId: crypto.randomUUID(),
      // Entra secrets are ~40 chars with a 3-char id prefix and '~'.
      clientSecret: `Rds8Q~${crypto.randomBytes(30).toString('base64url')}`,
      signingKeyPem: newSigningKeyPem(),
      refreshTokens: [],
    };
    this.save();
  }

  saveRefreshTokens(records: RefreshRecord[]): void {
    this.state.refreshTokens = records;
    this.save();
  }

  saveApp(app: { graphApplicationPermissions: string[]; certificates: string[] }): void {
    this.state.graphApplicationPermissions = [...app.graphApplicationPermissions];
    this.state.certificates = [...app.certificates];
    this.save();
  }

  private load(): IdentityState | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    try {
      const parsed = stateSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // A corrupt file is replaced: the sandbox is disposable, and a fresh identity only means re-linking.
      return undefined;
    }
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
