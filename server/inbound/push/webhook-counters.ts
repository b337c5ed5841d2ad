/** What became of each notification item the webhook received, for /metrics. */
export const WEBHOOK_OUTCOMES = ['accepted', 'unknown_subscription', 'bad_client_state', 'invalid'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** In-memory counts since this process started (Prometheus takes the rate of a counter). */
export class WebhookCounters {
  private readonly counts: Record<WebhookOutcome, number> = { accepted: 0, unknown_subscription: 0, bad_client_state: 0, invalid: 0 };

  count(outcome: WebhookOutcome, n = 1): void {
    this.counts[outcome] += n;
  }

  snapshot(): Readonly<Record<WebhookOutcome, number>> {
    return { ...this.counts };
  }
}
