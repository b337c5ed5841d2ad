import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout. Secrets that may pass through request logs are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'relaydesk' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.accessToken', '*.refreshToken', '*.clientSecret'],
      censor: '[redacted]',
    },
  });
}
