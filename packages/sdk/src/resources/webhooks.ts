import type { HttpClient, RequestOptions } from '../core/http.ts';
import type { WebhookDelivery, WebhookDeliveryList, WebhookSecret } from '../types/webhooks.ts';
import { Resource, segment } from './resource.ts';
import { verifyWebhook } from './webhook-signature.ts';

export class WebhookDeliveries extends Resource {
  /** The delivery log, newest first (`jobId` narrows it to one job). */
  list(
    params: { jobId?: string; limit?: number } = {},
    options: RequestOptions = {},
  ): Promise<WebhookDeliveryList> {
    return this.http.json<WebhookDeliveryList>(
      { method: 'GET', path: '/v1/webhooks/deliveries', query: { jobId: params.jobId, limit: params.limit } },
      options,
    );
  }

  /** Queues the delivery again (202). */
  redeliver(id: string, options: RequestOptions = {}): Promise<WebhookDelivery> {
    return this.http.json<WebhookDelivery>(
      { method: 'POST', path: `/v1/webhooks/deliveries/${segment(id)}/redeliver` },
      options,
    );
  }
}

/** Job-end webhooks: the signing secret, the delivery log, and verifying a delivery you received. */
export class Webhooks extends Resource {
  readonly deliveries: WebhookDeliveries;

  constructor(http: HttpClient) {
    super(http);
    this.deliveries = new WebhookDeliveries(http);
  }

  /** A new `whsec_` signing secret (the old one stops verifying); shown only in this answer. */
  rotateSecret(options: RequestOptions = {}): Promise<WebhookSecret> {
    return this.http.json<WebhookSecret>({ method: 'POST', path: '/v1/webhooks/secret' }, options);
  }

  /** Checks a received delivery's Standard Webhooks signature; resolves to the parsed payload. */
  verify = verifyWebhook;
}
