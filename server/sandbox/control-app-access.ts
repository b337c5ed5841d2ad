import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AppRegistration } from './directory';
import { controlError, parse } from './control-json';
import type { SandboxServices } from './graph/graph-types';
import { CertificateError, parseKeyCredential, type KeyCredential } from './identity/client-certificates';
import type { Mailbox } from './mail-store';

/**
 * Control API for application (app-only) access: the app's certificate credentials, the application permissions
 * its client-credentials tokens carry, and the Exchange scope that limits which mailboxes those tokens reach.
 *
 *   POST   /sandbox/apps/{appId}/certificates {certificate: PEM}          201 {thumbprint, thumbprintSha256, notAfter}
 *   GET    /sandbox/apps/{appId}/certificates                             [{thumbprint, thumbprintSha256, notBefore, notAfter}]
 *   DELETE /sandbox/apps/{appId}/certificates/{thumbprintSha256}          204
 *   PUT    /sandbox/apps/{appId}/application-permissions {permissions}    200 {appId, permissions}
 *   GET    /sandbox/apps/{appId}/application-permissions                  200 {appId, permissions}
 *   POST   /sandbox/app-scopes {appId, mailboxes, tenantId?}              200 {appId, tenantId, mailboxes}
 *   GET    /sandbox/app-scopes                                            [{appId, tenantId, mailboxes}]
 *   DELETE /sandbox/app-scopes/{appId}                                    204 (tenant-wide again)
 */

const certificateSchema = z.object({ certificate: z.string().min(1) });
/** Graph permission names: dotted words (Mail.ReadWrite, User.Read.All). */
const permissionsSchema = z.object({ permissions: z.array(z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)+$/, 'not a permission name')) });
const scopeSchema = z.object({
  appId: z.string().min(1),
  /** Replaces the scope: exactly these mailboxes (by SMTP address, UPN or object id), all of one tenant. */
  mailboxes: z.array(z.string().min(1)),
  /** The tenant the scope is configured in; default: the mailboxes' tenant (the app's home tenant when none). */
  tenantId: z.string().uuid().optional(),
});

export function mountAppAccessRoutes(router: Router, services: SandboxServices, saveApp: () => void): void {
  const { directory, store, appScopes } = services;
  const app = directory.app;

  /** The app the path names, or undefined once 404 was answered: the sandbox registers one app. */
  const namedApp = (req: Request, res: Response): AppRegistration | undefined => {
    const appId = String(req.params['appId'] ?? '');
    if (appId.toLowerCase() === app.clientId.toLowerCase()) return app;
    res.status(404).json(controlError('AppNotFound', `No sandbox app '${appId}' (the sandbox's app is ${app.clientId}).`));
    return undefined;
  };

  router.post('/apps/:appId/certificates', express.json(), (req, res) => {
    const target = namedApp(req, res);
    if (!target) return;
    const body = parse(certificateSchema, req.body, res);
    if (!body) return;
    let credential: KeyCredential;
    try {
      credential = parseKeyCredential(body.certificate);
    } catch (err) {
      if (err instanceof CertificateError) {
        res.status(400).json(controlError(err.code, err.message));
        return;
      }
      throw err;
    }
    // Registering the same certificate again changes nothing (an extension: Entra refuses duplicate keys).
    const added = target.keyCredentials.add(credential);
    res.status(added ? 201 : 200).json(certificateJson(credential));
  });

  router.get('/apps/:appId/certificates', (req, res) => {
    const target = namedApp(req, res);
    if (!target) return;
    res.json(target.keyCredentials.all().map((c) => ({ ...certificateJson(c), notBefore: new Date(c.notBefore).toISOString() })));
  });

  router.delete('/apps/:appId/certificates/:thumbprintSha256', (req, res) => {
    const target = namedApp(req, res);
    if (!target) return;
    if (!target.keyCredentials.remove(String(req.params['thumbprintSha256']))) {
      res.status(404).json(controlError('CertificateNotFound', 'No certificate with that SHA-256 thumbprint is registered on the app.'));
      return;
    }
    res.status(204).end();
  });

  router.put('/apps/:appId/application-permissions', express.json(), (req, res) => {
    const target = namedApp(req, res);
    if (!target) return;
    const body = parse(permissionsSchema, req.body, res);
    if (!body) return;
    // Tokens already issued keep their roles until they expire, as Entra's do.
    target.graphApplicationPermissions = [...new Set(body.permissions)];
    saveApp();
    res.json({ appId: target.clientId, permissions: target.graphApplicationPermissions });
  });

  router.get('/apps/:appId/application-permissions', (req, res) => {
    const target = namedApp(req, res);
    if (!target) return;
    res.json({ appId: target.clientId, permissions: target.graphApplicationPermissions });
  });

  router.post('/app-scopes', express.json(), (req, res) => {
    const body = parse(scopeSchema, req.body, res);
    if (!body) return;
    if (body.appId.toLowerCase() !== app.clientId.toLowerCase()) {
      res.status(404).json(controlError('AppNotFound', `No sandbox app '${body.appId}'.`));
      return;
    }
    const mailboxes: Mailbox[] = [];
    const unknown: string[] = [];
    for (const name of body.mailboxes) {
      const user = directory.findUser(name.trim());
      const mailbox = user ? store.mailboxByGuid(user.oid) : undefined;
      if (mailbox) mailboxes.push(mailbox);
      else unknown.push(name);
    }
    if (unknown.length > 0) {
      res.status(400).json(controlError('UnknownMailbox', `No sandbox mailbox for: ${unknown.join(', ')}.`));
      return;
    }
    const tenantId = body.tenantId?.toLowerCase() ?? mailboxes[0]?.tenantId ?? app.tenantId;
    if (!directory.tenants.has(tenantId)) {
      res.status(400).json(controlError('UnknownTenant', `No sandbox tenant '${tenantId}'.`));
      return;
    }
    // A scope is a tenant's Exchange setting: it can only name that tenant's mailboxes.
    const foreign = mailboxes.filter((m) => m.tenantId !== tenantId);
    if (foreign.length > 0) {
      res.status(400).json(controlError('MailboxInOtherTenant', `Not in tenant ${tenantId}: ${foreign.map((m) => m.address).join(', ')}.`));
      return;
    }
    appScopes.set(app.clientId, tenantId, mailboxes.map((m) => m.guid));
    res.json({ appId: app.clientId, tenantId, mailboxes: mailboxes.map((m) => m.address) });
  });

  router.get('/app-scopes', (_req, res) => {
    res.json(
      appScopes.list().map((s) => ({
        appId: s.appId,
        tenantId: s.tenantId,
        mailboxes: s.mailboxGuids.map((g) => store.mailboxByGuid(g)?.address ?? g),
      })),
    );
  });

  router.delete('/app-scopes/:appId', (req, res) => {
    appScopes.clear(String(req.params['appId']));
    res.status(204).end();
  });
}

function certificateJson(c: KeyCredential): { thumbprint: string; thumbprintSha256: string; notAfter: string } {
  return { thumbprint: c.thumbprint, thumbprintSha256: c.thumbprintSha256, notAfter: new Date(c.notAfter).toISOString() };
}
