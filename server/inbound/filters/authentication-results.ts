import type { SenderAuthFailure } from '../../store/schema';
import type { Filter } from './context';
import type { MailHeaders } from '../inbound-mail';

/**
 * Whether our tenant's Exchange Online Protection found the From address forged. EOP checks SPF, DKIM, DMARC
 * and its own composite authentication on every message from outside and writes the verdict into an
 * Authentication-Results header. A message that fails DMARC or compauth still makes a ticket (a real
 * customer's misconfigured domain must not lose their mail), but the ticket is flagged and gets no
 * acknowledgement: otherwise anyone could make the company mail their text to any address they put in From.
 *
 * Which header to believe: only the topmost. Each server on the way adds its header on top, and EOP is the
 * last one before the mailbox, so the topmost is ours; the sender can write any number of headers, but only
 * below it. A message with no Authentication-Results at all (mail inside the tenant) is not judged. Only a
 * failure is acted on, so a forged "pass" can never help a forger.
 */

export const AUTHENTICATION_RESULTS_HEADER = 'Authentication-Results';
/** An EOP verdict is a few hundred characters; a longer value is read only this far. */
const MAX_SCANNED_CHARS = 8 * 1024;
/** The methods whose `fail` means the From address is not the sender's, in the order they are reported. */
const FAILURES: readonly (readonly [method: string, failure: SenderAuthFailure])[] = [
  ['dmarc', 'dmarc_fail'],
  ['compauth', 'compauth_fail'],
];

/** The first failed method of the topmost Authentication-Results header, or null. */
export function senderAuthFailureOf(headers: MailHeaders): SenderAuthFailure | null {
  const topmost = headers.getAll(AUTHENTICATION_RESULTS_HEADER)[0];
  if (topmost === undefined) return null;
  const results = methodResults(topmost.slice(0, MAX_SCANNED_CHARS));
  return FAILURES.find(([method]) => results.get(method) === 'fail')?.[1] ?? null;
}

/** `spf=pass (sender IP is ...) smtp.mailfrom=x; dmarc=fail action=none` -> spf: pass, dmarc: fail. First one wins. */
export function methodResults(value: string): Map<string, string> {
  const results = new Map<string, string>();
  for (const statement of withoutComments(value).split(';')) {
    const equals = statement.indexOf('=');
    const method = statement.slice(0, Math.max(equals, 0)).trim().toLowerCase();
    // No `=`, or white space in the name: the authserv-id (`mx.example 1`), or `none`.
    if (method === '' || method.split(/\s/).length > 1) continue;
    const result = statement.slice(equals + 1).trimStart().split(/\s/, 1)[0]?.toLowerCase() ?? '';
    if (!results.has(method)) results.set(method, result);
  }
  return results;
}

/** RFC 8601 allows `(comments)`, nested, anywhere; they may hold `;` or `=` and must not split a statement. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  for (const char of value) {
    if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (depth === 0) out += char;
  }
  return out;
}

export const authenticationResults: Filter = {
  name: 'authentication-results',
  run(ctx) {
    ctx.senderAuthFailure = senderAuthFailureOf(ctx.mail.headers);
  },
};
