import { GraphError, graphErrors } from './graph-error';
import { globalRoute, json, type Route } from './graph-types';

/** Permissions (delegated scopes or application roles) that read users other than the signed-in one. */
const DIRECTORY_READ = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

/** `GET /me` and `GET /users/{id | userPrincipalName | mail}`: enough of the user object to tell who signed in. */
export const userRoutes: Route[] = [
  globalRoute('GET', 'users/:id', (ctx) => {
    const raw = ctx.params['id'] ?? '';
    const user = raw === '@me' ? ctx.caller.user : ctx.services.directory.findUser(raw);
    if (raw === '@me' && !user) throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
    const self = user !== undefined && user === ctx.caller.user;
    // User.Read reads the signed-in user only; anyone else takes a directory permission.
    if (!self && !DIRECTORY_READ.some((p) => ctx.caller.scopes.has(p) || ctx.caller.roles.has(p))) {
      throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    if (!user || user.tenantId !== ctx.caller.tenantId) {
      // The directory answers in its own style, unlike Exchange's ErrorInvalidUser.
      throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${raw}' does not exist or one of its queried reference-property objects are not present.`);
    }
    const mailbox = ctx.services.store.mailboxByGuid(user.oid);
    return json(200, {
      '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users/$entity`,
      businessPhones: [],
      displayName: user.displayName,
      givenName: null,
      jobTitle: null,
      // The mailbox's SMTP address, which need not be the sign-in name.
      mail: mailbox?.address ?? null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: null,
      userPrincipalName: user.upn,
      id: user.oid,
    });
  }),
];
