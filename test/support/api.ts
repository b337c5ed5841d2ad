import type { Express } from 'express';
import pino from 'pino';
import { createApp, type AppDependencies } from '../../server/http/app';
import { TokenVerifier } from '../../server/identity/token-verifier';
import type { Store } from '../../server/store/store';
import { openTestStore } from './database';
import { startTestIdentityProvider, type TestIdentityProvider } from './identity-provider';

/** The real express app over a fresh test store, with tokens from a local test identity provider. */
export interface ApiHarness {
  app: Express;
  store: Store;
  idp: TestIdentityProvider;
  close(): Promise<void>;
}

/** `overrides`: app dependencies a test changes, e.g. lower rate limits or a logger that captures output. */
export async function startApiHarness(overrides: Partial<Pick<AppDependencies, 'rateLimits' | 'logger'>> = {}): Promise<ApiHarness> {
  const { store, cleanup } = await openTestStore();
  const idp = await startTestIdentityProvider();
  const app = createApp({
    store,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    tokenVerifier: new TokenVerifier({ authority: idp.authority, audience: idp.audience, tenantIds: [idp.tenantId], apiScope: idp.apiScope }),
    ...overrides,
  });
  return {
    app,
    store,
    idp,
    close: async () => {
      await idp.close();
      await cleanup();
    },
  };
}
