import pino, { type Logger, type SerializedRequest } from 'pino';

export type { Logger };

/** JSON logs to stdout (or `destination`, for tests). Secrets that may pass through request logs are redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'relaydesk' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.accessToken', '*.refreshToken', '*.clientSecret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * The OAuth callback's query holds the authorization code and the single-use state: whoever reads them in a
 * log could race the callback to redeem the code. Express routes case-insensitively and with or without a
 * trailing slash, so the match does too.
 */
const SECRET_QUERY_PATH = /^\/+oauth\/+callback\/*$/i;
const REDACTED = '[redacted]';

/** `url` (a path or an absolute URL) with its whole query replaced when the path carries secrets in it. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const redacted = `${url.slice(0, query)}?${REDACTED}`;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return SECRET_QUERY_PATH.test(url.slice(0, query)) ? redacted : url;
  // An absolute URL (a Referer): when it cannot be parsed, nobody can tell what its query holds.
  try {
    return SECRET_QUERY_PATH.test(new URL(url).pathname) ? redacted : url;
  } catch {
    return redacted;
  }
}

/**
 * pino-http's request serializer, after the standard one: the secret query leaves the URL, the parsed query and
 * the Referer (the callback page's own requests to us name it there). The headers object is the live
 * request's, so it is copied, never changed.
 */
export function requestLogSerializer(req: SerializedRequest): SerializedRequest {
  const url = redactUrl(req.url);
  if (url !== req.url) {
    req.url = url;
    (req as { query: unknown }).query = REDACTED;
  }
  const referer = req.headers['referer'];
  if (typeof referer === 'string' && redactUrl(referer) !== referer) req.headers = { ...req.headers, referer: redactUrl(referer) };
  return req;
}
