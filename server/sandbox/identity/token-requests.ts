import express, { type RequestHandler } from 'express';

/**
 * Token endpoint requests counted by grant type, for GET /sandbox/stats: how many times clients went to Entra
 * (a benchmark reports identity requests per message). Counted as they arrive, before faults or validation, so a
 * refused or faulted request counts too: it was a round trip all the same.
 */

export const COUNTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
type CountedGrant = (typeof COUNTED_GRANT_TYPES)[number];
export type TokenRequestCounts = Record<CountedGrant | 'other', number>;

const TOKEN_PATH = /^\/[^/]+\/oauth2\/v2\.0\/token\/?$/;

export class TokenRequestCounter {
  private counts: TokenRequestCounts = zero();

  note(grantType: unknown): void {
    const known = COUNTED_GRANT_TYPES.find((g) => g === grantType);
    this.counts[known ?? 'other'] += 1;
  }

  snapshot(): TokenRequestCounts {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = zero();
  }
}

/** Express handlers (form parser, counter) mounted in front of the identity endpoints and their faults. */
export function countTokenRequests(counter: TokenRequestCounter): RequestHandler[] {
  const parseForm = express.urlencoded({ extended: false, limit: '64kb' });
  return [
    parseForm,
    (req, _res, next) => {
      if (req.method === 'POST' && TOKEN_PATH.test(req.path)) {
        const body: unknown = req.body;
        counter.note(typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['grant_type'] : undefined);
      }
      next();
    },
  ];
}

function zero(): TokenRequestCounts {
  return { authorization_code: 0, refresh_token: 0, client_credentials: 0, other: 0 };
}
