import type { Logger } from 'pino';
import type { AppScopes } from '../app-scopes';
import type { Directory, User } from '../directory';
import type { FaultInjector } from '../faults';
import type { IdentityService } from '../identity/identity-service';
import type { MailStore, Mailbox, StoredMessage } from '../mail-store';
import type { RetryAfterNote, Throttle } from '../throttle';
import type { Transport } from '../transport';
import type { UploadBudget } from '../upload-budget';
import { GraphError } from './graph-error';

/** A Graph request, from HTTP or from inside a $batch: transport-neutral so both take the same path. */
export interface GraphRequest {
  method: string;
  /** Path below /v1.0 as the client wrote it (used to build nextLinks). */
  rawPath: string;
  /** Decoded, normalised segments (`users('x')` -> users, x; `me` -> users, @me). */
  segments: string[];
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer | undefined;
  requestId: string;
  clientRequestId: string;
  inBatch: boolean;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body, or a raw body with `contentType`. */
  json?: unknown;
  raw?: Buffer | string;
  contentType?: string;
}

/** Who calls, from a verified Graph access token. */
export interface Caller {
  appId: string;
  tenantId: string;
  /** Delegated caller; undefined for app-only tokens. */
  user?: User;
  scopes: Set<string>;
  roles: Set<string>;
  token: string;
  /**
   * App-only callers: the mailboxes of their tenant Exchange lets the app reach (RBAC for Applications / an
   * application access policy), read per request so a change applies at once. Undefined: every mailbox.
   */
  appScope?: ReadonlySet<string>;
}

/** Lifecycle notifications Graph sends about a subscription (the control API fires them on demand). */
export type LifecycleEvent = 'reauthorizationRequired' | 'missed' | 'subscriptionRemoved';

/**
 * What the rest of the sandbox asks of the subscriptions (graph/subscriptions.ts implements it): declared here
 * so that these shared types do not import the subscriptions module, which imports them.
 */
export interface SubscriptionLifecycle {
  /** False when no subscription has this id. */
  fireLifecycle(id: string, event: LifecycleEvent): boolean;
  /**
   * Holds back (or releases) a subscription's change notifications without telling its owner, as a Graph
   * delivery failure would: changes meanwhile are lost to it until it hears `missed`. False: no such id.
   */
  hold(id: string, held: boolean): boolean;
  /** Every subscription (all apps), with who created and who renewed it: for tests to look inside. */
  inspect(): SubscriptionSnapshot[];
}

export interface SubscriptionSnapshot {
  id: string;
  resource: string;
  /** The mailbox the subscription watches. */
  mailbox: string;
  expirationDateTime: string;
  creatorId: string;
  held: boolean;
  /** Each PATCH that renewed it: when, and the user (or app) whose token made it. */
  renewals: { at: string; by: string }[];
}

/**
 * What the Graph routes ask of the upload sessions (upload-sessions.ts implements it), declared here so that
 * these shared types need not import it.
 */
export interface UploadSessionStore {
  /** Opens a session for a file of `size` bytes to attach to `draft`; returns its upload URL and expiry. */
  open(input: { caller: Caller; draft: StoredMessage; name: string; contentType: string; size: number; isInline: boolean; contentId: string | undefined }): { uploadUrl: string; expirationDateTime: string };
}

/** Exchange behaviours a focused test may switch off (startSandbox's options). */
export interface ExchangeBehaviour {
  /** A message list page whose JSON passes this many bytes answers 504 UnknownError; undefined: never. */
  gatewayTimeoutPageBytes: number | undefined;
  /** With `$expand=attachments`, attachments larger than this come without contentBytes; undefined: all with it. */
  expandedAttachmentMaxBytes: number | undefined;
}

export interface SandboxServices {
  baseUrl: string;
  graphBaseUrl: string;
  directory: Directory;
  store: MailStore;
  identity: IdentityService;
  throttle: Throttle;
  faults: FaultInjector;
  transport: Transport;
  /** The IncomingBytes budget: request bodies per app and mailbox. */
  uploads: UploadBudget;
  /** Attachment upload sessions (createUploadSession and the PUTs to their upload URLs). */
  uploadSessions: UploadSessionStore;
  /** The largest message a mailbox may send, attachments counted at their file size. */
  maxMessageBytes: number;
  subscriptions: SubscriptionLifecycle;
  /** Which mailboxes app-only tokens may reach (POST /sandbox/app-scopes). */
  appScopes: AppScopes;
  behaviour: ExchangeBehaviour;
  logger: Logger;
  /** Re-enters the dispatcher (used by $batch). */
  dispatch: (req: GraphRequest, latencyMs?: number) => Promise<DispatchResult>;
}

export interface DispatchResult {
  response: GraphResponse;
  /** The mailbox the request concerned, for logging and mailbox-scoped faults. */
  mailbox?: string;
  /** The Retry-After this answer carries, as the throttle noted it: withdrawn if the answer is never delivered. */
  retryAfterNote?: RetryAfterNote;
}

export interface GlobalRouteContext {
  req: GraphRequest;
  caller: Caller;
  params: Record<string, string>;
  services: SandboxServices;
}

export interface RouteContext extends GlobalRouteContext {
  /** The mailbox of /users/{id}, resolved (and throttled) by the dispatcher. */
  mailbox: Mailbox;
}

export type Route =
  | { method: string; pattern: string[]; mailboxScoped: true; handler: (ctx: RouteContext) => GraphResponse | Promise<GraphResponse> }
  | { method: string; pattern: string[]; mailboxScoped: false; handler: (ctx: GlobalRouteContext) => GraphResponse | Promise<GraphResponse> };

/** A route under /users/:user/...; the dispatcher resolves the mailbox and applies throttling. */
export function mailboxRoute(method: string, path: string, handler: (ctx: RouteContext) => GraphResponse | Promise<GraphResponse>): Route {
  return { method, pattern: path.split('/').filter(Boolean), mailboxScoped: true, handler };
}

export function globalRoute(method: string, path: string, handler: (ctx: GlobalRouteContext) => GraphResponse | Promise<GraphResponse>): Route {
  return { method, pattern: path.split('/').filter(Boolean), mailboxScoped: false, handler };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status, json: body, headers };
}

export function noContent(status = 204, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers };
}

/** Parses a JSON object request body, or throws Graph's 400 for an unreadable one. */
export function jsonBody(req: GraphRequest): Record<string, unknown> {
  if (!req.body || req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new GraphError(400, 'BadRequest', 'The request payload must be a JSON object.');
  return v as Record<string, unknown>;
}
