import type { Express } from 'express';
import pino from 'pino';
import { createApp, type AppDependencies, type AppServices } from '../../server/http/app';
import { TokenVerifier } from '../../server/identity/token-verifier';
import type { Store } from '../../server/store/store';
import { createRelaydesk } from '../../server/wiring';
import { openTestStore } from './database';
import { startTestIdentityProvider, type TestIdentityProvider } from './identity-provider';
import { testConfig } from './test-config';

/**
 * The real express app over a fresh test store and the domain services createRelaydesk builds for it (its
 * database-only core: no Microsoft app), with tokens from a local test identity provider.
 */
export interface ApiHarness {
  app: Express;
  store: Store;
  services: AppServices;
  idp: TestIdentityProvider;
  close(): Promise<void>;
}

/** `overrides`: app dependencies a test changes, e.g. lower rate limits or a logger that captures output. */
export async function startApiHarness(overrides: Partial<Pick<AppDependencies, 'rateLimits' | 'logger'>> = {}): Promise<ApiHarness> {
  const { store, cleanup } = await openTestStore();
  const { config, removeDataDir } = testConfig();
  const { services } = await createRelaydesk(config, { only: 'store', store });
  const idp = await startTestIdentityProvider();
  const app = createApp({
    services,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    tokenVerifier: new TokenVerifier({ authority: idp.authority, audience: idp.audience, tenantIds: [idp.tenantId], apiScope: idp.apiScope }),
    ...overrides,
  });
  return {
    app,
    store,
    services,
    idp,
    close: async () => {
      await idp.close();
      await cleanup();
      removeDataDir();
    },
  };
}
