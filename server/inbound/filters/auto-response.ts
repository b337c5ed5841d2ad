import type { Filter } from './context';
import type { InboundMail } from '../inbound-mail';

/**
 * Out-of-office replies, autoresponders, mailing lists and robots: answering them (a "ticket received"
 * acknowledgement) starts a ping-pong between two machines, so they make no ticket. The first signal found is
 * named in the detail (`header=value` or `sender=local-part`), which is what the lookup API shows.
 *
 * Delivery reports (bounces) carry Auto-Submitted and come from mailer-daemon@, so the bounce filter must run
 * before this one or no bounce would ever reach its ticket.
 */

interface HeaderSignal {
  header: string;
  /** Given the first token of the value, lower-cased: whether it marks machine mail. */
  matches(token: string): boolean;
}

const ANY = (): boolean => true;

/** RFC 3834 and the de-facto headers of Exchange, Outlook, list servers and common autoresponders. */
export const AUTO_RESPONSE_HEADERS: readonly HeaderSignal[] = [
  // RFC 3834: "no" is the value a person's mail may carry; every other value is a machine.
  { header: 'auto-submitted', matches: (token) => token !== 'no' },
  { header: 'x-auto-response-suppress', matches: ANY },
  { header: 'x-ms-exchange-inbox-rules-loop', matches: ANY },
  { header: 'precedence', matches: (token) => ['bulk', 'junk', 'list', 'auto_reply', 'auto-reply'].includes(token) },
  { header: 'x-autoreply', matches: ANY },
  { header: 'x-autorespond', matches: ANY },
  { header: 'x-loop', matches: ANY },
  { header: 'list-unsubscribe', matches: ANY },
  { header: 'list-id', matches: ANY },
];

/** Local parts of senders that are robots by convention. */
export const ROBOT_SENDERS: readonly string[] = ['mailer-daemon', 'postmaster', 'noreply', 'no-reply'];

/** The first auto-response signal of a message, or null for mail a person wrote. */
export function autoResponseSignal(mail: InboundMail): string | null {
  for (const signal of AUTO_RESPONSE_HEADERS) {
    for (const value of mail.headers.getAll(signal.header)) {
      const token = value.split(/[;,\s]/)[0]?.trim().toLowerCase() ?? '';
      if (signal.matches(token)) return `${signal.header}=${token}`;
    }
  }
  const local = mail.from?.address.split('@')[0]?.toLowerCase() ?? '';
  // `noreply+tag@` and `mailer-daemon.eu@` are the same robots with a suffix.
  const robot = ROBOT_SENDERS.find((name) => local === name || (local.startsWith(name) && /^[+.\-_]/.test(local.slice(name.length))));
  return robot ? `sender=${robot}` : null;
}

export const autoResponse: Filter = {
  name: 'auto-response',
  run(ctx) {
    const signal = autoResponseSignal(ctx.mail);
    if (signal) ctx.suppressed = { reason: 'auto_response', detail: signal };
  },
};
