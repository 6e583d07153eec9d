import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../gateway/src/accounts/index.ts';
import { type StripeHarness, startStripeHarness } from '../../gateway/test/helpers/stripe.ts';
import { type Checkout, Hypereal, type Payment } from '../src/index.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const checkoutFields = fieldsOf<Checkout>()(['paymentId', 'url']);
const paymentFields = fieldsOf<Payment>()([
  'id',
  'provider',
  'status',
  'credits',
  'amount',
  'currency',
  'refunded',
  'creditsClawedBack',
  'checkoutSessionId',
  'paymentIntentId',
  'ledgerEntryId',
  'createdAt',
  'paidAt',
]);

describe('client.credits card top-ups against the gateway and the Stripe fake', () => {
  let harness: StripeHarness;
  beforeAll(async () => {
    harness = await startStripeHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('checkout opens a Stripe Checkout; once paid, the payment and the credits show', async () => {
    const { user } = await harness.newUser(0);
    await setPassword(harness.db, user.id, 'a long passphrase');
    const sdk = new Hypereal({ baseURL: harness.gateway.url });
    await sdk.auth.login({ email: user.email, password: 'a long passphrase' });
    expect((await sdk.credits.topUps()).enabled).toBe(true);
    const checkout = await sdk.credits.checkout(500);
    expectFields(checkout, checkoutFields);
    const [opened] = (await sdk.credits.payments()).data;
    expectFields(opened, paymentFields);
    expect(opened).toMatchObject({ id: checkout.paymentId, credits: 500, paidAt: null });
    // Stripe's checkout.session.completed event, signed, to the gateway's webhook.
    expect((await harness.deliver(harness.fake.complete(opened!.checkoutSessionId!))).status).toBe(200);
    expect((await sdk.credits.balance()).balance).toBe(500);
    const [paid] = (await sdk.credits.payments()).data;
    expect(paid!.paidAt).not.toBeNull();
    expect(paid!.ledgerEntryId).toBeTruthy();
    await harness.balancedBalance(user.id);
  });
});
