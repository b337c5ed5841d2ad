/**
 * Graph's error shape: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
 * Handlers throw GraphError; the dispatcher turns it into a response (or a batch sub-response).
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, requestId: string, clientRequestId: string): Record<string, unknown> {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ''),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}

/** The errors several handlers share, spelled as Graph spells them. */
export const graphErrors = {
  idMalformed: () => new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.'),
  itemNotFound: () => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  folderNotFound: () => new GraphError(404, 'ErrorItemNotFound', 'The specified folder could not be found in the store.'),
  invalidUser: (id: string) => new GraphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`),
  mailboxNotEnabled: () => new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'),
  accessDenied: () => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  /**
   * An app-only call to a mailbox outside the app's scope. Graph's "Limiting application permissions to specific
   * Exchange Online mailboxes" gives "Access to OData is disabled."; this is the longer form Exchange answers today.
   */
  appAccessPolicy: () => new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.'),
  badRequest: (message: string) => new GraphError(400, 'BadRequest', message),
  parseUri: (message: string) => new GraphError(400, 'RequestBroker--ParseUri', message),
  invalidRequest: (message: string) => new GraphError(400, 'ErrorInvalidRequest', message),
  segmentNotFound: (segment: string) => new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: () => new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
  /** What Graph's gateway answers when the service behind it took too long (a large page, a slow mailbox). */
  gatewayTimeout: () => new GraphError(504, 'UnknownError', ''),
};
