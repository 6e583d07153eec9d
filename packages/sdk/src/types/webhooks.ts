/** `POST /v1/webhooks/secret`: a new `whsec_` signing secret, shown once. */
export interface WebhookSecret {
  secret: string;
}

/** One delivery of a job-end webhook (Standard Webhooks signatures). */
export interface WebhookDelivery {
  id: string;
  jobId: string;
  url: string;
  eventType: string;
  state: 'pending' | 'delivered' | 'failed' | (string & {});
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface WebhookDeliveryList {
  object: 'list';
  data: WebhookDelivery[];
}
