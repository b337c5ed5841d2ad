import { GraphError, graphErrors } from './graph-error';
import { globalRoute, json, type Route } from './graph-types';

/** `GET /me` and `GET /users/{id | userPrincipalName}`: enough of the user object to tell who signed in. */
export const userRoutes: Route[] = [
  globalRoute('GET', 'users/:id', (ctx) => {
    const raw = ctx.params['id'] ?? '';
    const user = raw === '@me' ? ctx.caller.user : ctx.services.directory.findUser(raw);
    if (raw === '@me' && !user) throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
    if (!user || user.tenantId !== ctx.caller.tenantId) {
      // The directory answers in its own style, unlike Exchange's ErrorInvalidUser.
      throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${raw}' does not exist or one of its queried reference-property objects are not present.`);
    }
    const hasMailbox = ctx.services.store.mailboxByGuid(user.oid) !== undefined;
    return json(200, {
      '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users/$entity`,
      businessPhones: [],
      displayName: user.displayName,
      givenName: null,
      jobTitle: null,
      mail: hasMailbox ? user.upn : null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: null,
      userPrincipalName: user.upn,
      id: user.oid,
    });
  }),
];
