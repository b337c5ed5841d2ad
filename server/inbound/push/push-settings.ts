/** How change notifications are run (config.ts fills it in; tests may shorten the lifetime). */
export interface PushSettings {
  /** PUSH=off turns subscriptions off everywhere: polling at the sync interval only. */
  enabled: boolean;
  /** Where Microsoft posts notifications: `${publicOrigin}/webhooks/graph`; it must be https. */
  publicOrigin: string;
  /** A subscription's lifetime; it is renewed at half of it. */
  subscriptionLifetimeMs: number;
  /** After a failed attempt to subscribe, the next one waits this long. */
  retryMs: number;
  /** The window that coalesces a mailbox's notifications into one sync. */
  debounceMs: number;
}

/** Graph's cap for Outlook message subscriptions. */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;
export const NOTIFICATION_PATH = '/webhooks/graph';
export const LIFECYCLE_PATH = '/webhooks/graph/lifecycle';
