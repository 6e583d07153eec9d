import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, verifyWebhook, type WebhookDelivery } from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const deliveryFields = fieldsOf<WebhookDelivery>()([
  'id',
  'jobId',
  'url',
  'eventType',
  'state',
  'attempts',
  'lastStatus',
  'lastError',
  'nextAttemptAt',
  'createdAt',
  'deliveredAt',
]);

describe('client.webhooks against the gateway', () => {
  let gw: SdkHarness;
  let receiver: Server;
  let hookUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('rotateSecret, a job’s signed delivery verified by the SDK, the delivery log and redeliver', async () => {
    const { sdk } = await gw.newUser(1000);
    const { secret } = await sdk.webhooks.rotateSecret();
    expect(secret).toMatch(/^whsec_/);
    const job = await sdk.videos.generate({
      model: 'gemini_omni_flash',
      prompt: 'hooked',
      webhook_url: hookUrl,
    });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    const message = received[0]!;
    const headers = Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, String(value)]),
    );
    const event = (await sdk.webhooks.verify(message.body, headers, secret)) as {
      type: string;
      data: { id: string };
    };
    expect(event.type).toBe('job.succeeded');
    expect(event.data.id).toBe(job.id);
    await expect(verifyWebhook(message.body.replace('succeeded', 'failed'), headers, secret)).rejects.toThrow(
      /signature/,
    );
    await expect(verifyWebhook(message.body, headers, `whsec_${btoa('another secret')}`)).rejects.toThrow();

    // The receiver has the request before the gateway has recorded its answer: wait for that record.
    await expect
      .poll(async () => (await sdk.webhooks.deliveries.list({ jobId: job.id })).data[0]?.state, {
        timeout: 10_000,
      })
      .toBe('delivered');
    const log = await sdk.webhooks.deliveries.list({ jobId: job.id });
    expect(log.data).toHaveLength(1);
    expectFields(log.data[0], deliveryFields);
    expect(log.data[0]).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
    const again = await sdk.webhooks.deliveries.redeliver(log.data[0]!.id);
    expectFields(again, deliveryFields);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    expect(received[1]!.headers['webhook-id']).toBe(message.headers['webhook-id']);
    await expect(sdk.webhooks.deliveries.redeliver('whd_nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});
