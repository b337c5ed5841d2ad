import express, { type Router } from 'express';
import { mountAuthorize } from './authorize';
import type { IdentityService } from './identity-service';
import { mountMetadata } from './metadata';
import { mountTokenEndpoint } from './token-endpoint';

/** The Entra-shaped identity endpoints, mounted at the server root like login.microsoftonline.com. */
export function identityRouter(identity: IdentityService): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  mountMetadata(router, identity);
  mountAuthorize(router, identity);
  mountTokenEndpoint(router, identity);
  return router;
}
