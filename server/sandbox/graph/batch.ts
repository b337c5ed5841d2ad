import { errorBody, graphErrors } from './graph-error';
import { globalRoute, json, jsonBody, type GlobalRouteContext, type GraphRequest, type GraphResponse, type Route } from './graph-types';
import { parseGraphPath } from './path';

/**
 * `POST /$batch`: up to 20 requests, each going through the dispatcher on its own (so each is throttled on its
 * own and may get its own 429), at most 4 at a time as Exchange runs them, responses in completion order.
 * A request whose dependency failed is answered 424 without running.
 */

export const MAX_BATCH = 20;
const BATCH_CONCURRENCY = 4;

interface Step {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

async function batch(ctx: GlobalRouteContext): Promise<GraphResponse> {
  const payload = jsonBody(ctx.req);
  const requests = payload['requests'];
  if (!Array.isArray(requests) || requests.length === 0) throw graphErrors.badRequest('Invalid batch payload format.');
  if (requests.length > MAX_BATCH) throw graphErrors.badRequest(`Number of requests in a batch exceeds the limit of ${MAX_BATCH}.`);
  const steps = requests.map(toStep);
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw graphErrors.badRequest(`Request id '${s.id}' is duplicated in the batch.`);
    ids.add(s.id);
  }
  for (const s of steps) for (const d of s.dependsOn) if (!ids.has(d)) throw graphErrors.badRequest(`The dependsOn request id '${d}' of request '${s.id}' was not found in the batch.`);

  const status = new Map<string, number>();
  const responses: Record<string, unknown>[] = [];
  const pending = [...steps];
  const running = new Set<Promise<void>>();
  const run = async (s: Step): Promise<void> => {
    const failedDep = s.dependsOn.find((d) => (status.get(d) ?? 0) >= 400);
    if (failedDep !== undefined) {
      status.set(s.id, 424);
      responses.push({ id: s.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: errorBody('FailedDependency', `The request could not be executed because its dependency '${failedDep}' failed.`, ctx.req.requestId, ctx.req.clientRequestId) });
      return;
    }
    const res = await execute(ctx, s);
    status.set(s.id, res.status);
    responses.push(subResponse(s.id, res));
  };
  while (pending.length > 0 || running.size > 0) {
    const readyIndex = pending.findIndex((s) => s.dependsOn.every((d) => status.has(d)));
    if (readyIndex >= 0 && running.size < BATCH_CONCURRENCY) {
      const [step] = pending.splice(readyIndex, 1);
      if (!step) continue;
      const p: Promise<void> = run(step).finally(() => running.delete(p));
      running.add(p);
      continue;
    }
    if (running.size === 0) {
      // Unreachable dependencies (a cycle): answer them as failed rather than hang.
      for (const s of pending.splice(0)) {
        status.set(s.id, 424);
        responses.push({ id: s.id, status: 424, body: errorBody('FailedDependency', 'Circular dependsOn in batch.', ctx.req.requestId, ctx.req.clientRequestId) });
      }
      break;
    }
    await Promise.race(running);
  }
  return json(200, { responses });
}

function toStep(raw: unknown): Step {
  if (typeof raw !== 'object' || raw === null) throw graphErrors.badRequest('Invalid batch payload format.');
  const r = raw as Record<string, unknown>;
  const id = r['id'];
  const method = r['method'];
  const url = r['url'];
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof method !== 'string' || typeof url !== 'string') throw graphErrors.badRequest('Invalid batch payload format.');
  // Graph wants URLs relative to the version root; an absolute URL makes the whole batch invalid.
  if (/^[a-z]+:\/\//i.test(url)) throw graphErrors.badRequest('Invalid batch payload format.');
  const headers: Record<string, string> = {};
  if (typeof r['headers'] === 'object' && r['headers'] !== null) {
    for (const [k, v] of Object.entries(r['headers'] as Record<string, unknown>)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  }
  const dependsOn = Array.isArray(r['dependsOn']) ? r['dependsOn'].map(String) : [];
  return { id: String(id), method: method.toUpperCase(), url, headers, body: r['body'], dependsOn };
}

async function execute(ctx: GlobalRouteContext, s: Step): Promise<GraphResponse> {
  const [pathPart = '', queryPart = ''] = s.url.split(/\?(.*)/s);
  const parsed = parseGraphPath(pathPart.startsWith('/') ? pathPart : `/${pathPart}`);
  let body: Buffer | undefined;
  const contentType = s.headers['content-type'] ?? (s.body !== undefined ? 'application/json' : undefined);
  if (s.body !== undefined) {
    // JSON bodies are embedded as JSON; other content types (MIME for sendMail) as a base64 string.
    body = typeof s.body === 'string' && !contentType?.startsWith('application/json') ? Buffer.from(s.body, 'latin1') : Buffer.from(JSON.stringify(s.body));
  }
  const sub: GraphRequest = {
    method: s.method,
    rawPath: parsed.ok ? parsed.rawPath : pathPart,
    segments: parsed.ok ? parsed.segments : [],
    query: new URLSearchParams(queryPart),
    headers: { ...s.headers, authorization: ctx.req.headers['authorization'] ?? '', ...(contentType ? { 'content-type': contentType } : {}) },
    body,
    requestId: ctx.req.requestId,
    clientRequestId: ctx.req.clientRequestId,
    inBatch: true,
  };
  if (!parsed.ok) return { status: 400, json: errorBody('BadRequest', parsed.message, ctx.req.requestId, ctx.req.clientRequestId) };
  if (parsed.segments[0]?.toLowerCase() === '$batch') return { status: 400, json: errorBody('BadRequest', 'A batch request cannot contain another batch request.', ctx.req.requestId, ctx.req.clientRequestId) };
  return (await ctx.services.dispatch(sub)).response;
}

function subResponse(id: string, res: GraphResponse): Record<string, unknown> {
  const headers: Record<string, string> = { ...(res.headers ?? {}) };
  let body: unknown;
  if (res.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = res.json;
  } else if (res.raw !== undefined) {
    headers['Content-Type'] = res.contentType ?? 'application/octet-stream';
    body = Buffer.isBuffer(res.raw) ? res.raw.toString('base64') : Buffer.from(res.raw).toString('base64');
  }
  return { id, status: res.status, headers, ...(body !== undefined ? { body } : {}) };
}

export const batchRoutes: Route[] = [globalRoute('POST', '$batch', batch)];
