import { Webhook } from 'standardwebhooks';
import type { Database } from '../db/index.ts';
import { safePost } from '../net/safe-fetch.ts';
import { claimDueDeliveries, type DeliveryRecord, recordAttempt } from './deliveries.ts';
import { webhookSecret } from './secrets.ts';

export interface WebhookSenderOptions {
  db: Database;
  tickMs: number;
  /** First retry after this long, doubling each time (Standard Webhooks suggests exponential backoff). */
  retryBaseMs: number;
  maxAttempts: number;
  allowPrivate: readonly string[];
  onError: (error: unknown, delivery: DeliveryRecord) => void;
}

const timeoutMs = 15_000;

/**
 * Delivers queued webhook messages, signed per Standard Webhooks (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature` with the user's `whsec_` secret), to targets
 * checked by the SSRF address policy; a non-2xx answer or a network failure is retried with
 * exponential backoff up to `maxAttempts`, every attempt recorded on the delivery row.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export class WebhookSender {
  readonly #options: WebhookSenderOptions;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.#options.tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const due = await claimDueDeliveries(this.#options.db, timeoutMs * 2, 16);
      await Promise.all(due.map((delivery) => this.#send(delivery)));
    } catch (error) {
      // The next tick tries again.
      void error;
    } finally {
      this.#ticking = false;
    }
  }

  async #send(delivery: DeliveryRecord): Promise<void> {
    const { db } = this.#options;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const secret = await webhookSecret(db, delivery.userId);
      const timestamp = new Date();
      const signature = new Webhook(secret).sign(delivery.id, timestamp, delivery.payload);
      status = await safePost(delivery.url, {
        param: 'webhookUrl',
        body: delivery.payload,
        headers: {
          'content-type': 'application/json',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        timeoutMs,
        allowPrivate: this.#options.allowPrivate,
      });
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const delivered = status !== null && status >= 200 && status < 300;
    if (!delivered && error === null) error = `HTTP ${status}`;
    const attempts = delivery.attempts + 1;
    const nextAttemptAt =
      delivered || attempts >= this.#options.maxAttempts
        ? null
        : Date.now() + this.#options.retryBaseMs * 2 ** (attempts - 1);
    await recordAttempt(db, delivery, { delivered, status, error, nextAttemptAt }).catch((cause: unknown) =>
      this.#options.onError(cause, delivery),
    );
  }
}
