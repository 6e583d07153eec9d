import OpenAI, { PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

// 1 credit per 1,000 input tokens, 2 per 1,000 output tokens; the hold counts every body byte as a token.
const models = {
  'priced-demo': { route: 'openai/priced-demo', price: { input: 10, output: 20 }, maxOutputTokens: 4096 },
  'priced-slow': { route: 'openai/priced-slow', price: { input: 10, output: 20 }, maxOutputTokens: 4096 },
};
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The "cap reached" mail and auto-disable follow the key's settled spend: a refusal when the
 * month's charges alone leave too little for the request fires them even while other calls
 * hold part of the budget; a refusal that only in-flight holds caused never does.
 */
describe('spending alerts with holds in flight', () => {
  let harness: Harness;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    harness = await startHarness({
      engine: engines.at(-1)!,
      config: { models },
      env: { SMTP_URL: smtp.url, HYPEREAL_MAIL_FROM: 'Hypereal <alerts@hypereal.test>' },
    });
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
  });

  async function cappedKey(name: string) {
    const owner = await harness.newUser(1000);
    const { secret, record } = await createApiKey(harness.db, {
      userId: owner.user.id,
      name,
      spendingLimitMicro: creditsToMicro(2),
      autoDisable: true,
    });
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    return { owner, client, keyId: record.id };
  }
  const openHolds = async (keyId: string) =>
    Number(
      (await harness.db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM holds WHERE status = 'open' AND key_id = ?",
        [keyId],
      ))!.n,
    );
  const keyState = async (keyId: string) =>
    (await harness.db.get<{ disabled_reason: string | null }>(
      'SELECT disabled_reason FROM api_keys WHERE id = ?',
      [keyId],
    ))!.disabled_reason;
  const slow = (client: OpenAI, content: string, maxTokens: number) =>
    client.chat.completions.create({
      model: 'priced-slow',
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: `[[sim:reply_tokens=1]] ${content}` }],
    });

  it('settled spend at the cap: mail and auto-disable although two calls are still in flight', async () => {
    const { client, keyId } = await cappedKey('settled-at-cap');
    const mailsBefore = smtp.mails.length;
    // Three ~0.42-credit calls: 1.26 of 2 credits spent, nothing in flight.
    for (let call = 0; call < 3; call++) {
      await client.chat.completions.create({
        model: 'priced-demo',
        messages: [{ role: 'user', content: '[[sim:reply_tokens=200]] Tell me a story.' }],
      });
    }
    // Two small calls (~0.13 credits held each) stay in flight for 4 s.
    harness.sim.addFault({ match: { model: 'priced-slow' }, latencyMs: 4_000, times: 2 });
    const inFlight = [slow(client, 'a', 1), slow(client, 'b', 1)];
    while ((await openHolds(keyId)) < 2) await sleep(20);

    // A call whose input alone may cost ~1.3 credits: what was charged leaves 0.74.
    const big = await client.chat.completions
      .create({ model: 'priced-demo', messages: [{ role: 'user', content: 'word '.repeat(260) }] })
      .catch((error: unknown) => error);
    expect(big).toBeInstanceOf(PermissionDeniedError);
    await harness.gateway.services.spendingAlerts.settled();
    expect(await openHolds(keyId)).toBe(2);
    await smtp.waitFor(mailsBefore + 1);
    expect(smtp.mails.slice(mailsBefore).map((mail) => mail.subject)).toEqual([
      'API key settled-at-cap reached its monthly spending limit',
    ]);
    // Disabled for reaching its cap (the key list shows it as `capped`).
    expect(await keyState(keyId)).toBe('spending_limit');
    await Promise.allSettled(inFlight);
  }, 30_000);

  it('a refusal caused only by in-flight holds sends nothing and disables nothing', async () => {
    const { owner, client, keyId } = await cappedKey('held-not-spent');
    const mailsBefore = smtp.mails.length;
    // Two calls hold ~0.75 credits each for 3 s; nothing is spent yet.
    harness.sim.addFault({ match: { model: 'priced-slow' }, latencyMs: 3_000, times: 2 });
    const filler = 'word '.repeat(100);
    const inFlight = [slow(client, filler, 100), slow(client, filler, 100)];
    while ((await openHolds(keyId)) < 2) await sleep(20);

    const refused = await client.chat.completions
      .create({
        model: 'priced-demo',
        max_tokens: 400,
        messages: [{ role: 'user', content: '[[sim:reply_tokens=5]] Tell me a story.' }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    await Promise.all(inFlight);
    await harness.gateway.services.spendingAlerts.settled();
    await sleep(200);
    expect(smtp.mails.slice(mailsBefore).filter((mail) => mail.subject.includes('held-not-spent'))).toEqual(
      [],
    );
    expect(await keyState(keyId)).toBeNull();
    // Once they settled, the same call fits.
    const fits = await client.chat.completions.create({
      model: 'priced-demo',
      max_tokens: 400,
      messages: [{ role: 'user', content: '[[sim:reply_tokens=5]] Tell me a story.' }],
    });
    expect(fits.choices[0]?.message.content).toBeTruthy();
    await harness.balancedBalance(owner.user.id);
  }, 30_000);
});
