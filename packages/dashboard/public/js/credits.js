// /credits: balance / held / available, card top-ups (Stripe Checkout), redeem a code,
// the ledger (newest first, "Load more" follows nextBefore) and the card payments.
import { api } from './api.js';
import {
  busy,
  byId,
  credits,
  creditsShort,
  dateTime,
  h,
  pageError,
  refreshBalance,
  showMessage,
  startPage,
} from './ui.js';

const pageSize = 50;
let nextBefore = null;
let shown = 0;

const kindLabels = {
  grant: 'Grant',
  charge: 'Usage',
  redeem: 'Redeemed code',
  refund: 'Refund',
  adjustment: 'Adjustment',
  topup: 'Top-up',
  topup_refund: 'Top-up refunded',
};

const paymentLabels = {
  open: 'Awaiting payment',
  processing: 'Processing',
  paid: 'Paid',
  partially_refunded: 'Partly refunded',
  refunded: 'Refunded',
  failed: 'Failed',
  expired: 'Expired',
  error: 'Not started',
  mismatch: 'Under review',
};
const paymentBadges = { paid: 'ok', processing: 'warn', open: 'warn', failed: 'error', error: 'error' };

function showBalance(balance) {
  byId('balance').textContent = creditsShort(balance.balance);
  byId('held').textContent = creditsShort(balance.held);
  byId('available').textContent = creditsShort(balance.available);
}

function signed(amount) {
  return amount > 0 ? `+${credits(amount)}` : credits(amount);
}

function ledgerRow(entry) {
  const amountClass = entry.amount > 0 ? 'amount-positive' : 'amount-negative';
  return h(
    'tr',
    { dataset: { entryId: entry.id } },
    h('td', { dataset: { label: 'Date' } }, dateTime(entry.createdAt)),
    h(
      'td',
      { dataset: { label: 'Description' } },
      entry.description || (entry.requestId ? `Request ${entry.requestId}` : '—'),
      ...(entry.paymentId ? [' · ', h('a', { href: `#payment-${entry.paymentId}` }, 'Receipt')] : []),
    ),
    h(
      'td',
      { dataset: { label: 'Kind' } },
      h('span', { class: 'badge' }, kindLabels[entry.kind] ?? entry.kind),
    ),
    h('td', { class: `num ${amountClass}`, dataset: { label: 'Amount' } }, signed(entry.amount)),
    h('td', { class: 'num', dataset: { label: 'Balance after' } }, credits(entry.balanceAfter)),
  );
}

async function loadLedger({ reset = false } = {}) {
  if (reset) {
    nextBefore = null;
    shown = 0;
    byId('ledger-body').replaceChildren();
  }
  const params = new URLSearchParams({ limit: String(pageSize) });
  if (nextBefore) params.set('before', nextBefore);
  const page = await api(`/api/credits/ledger?${params}`);
  byId('ledger-body').append(...page.data.map(ledgerRow));
  shown += page.data.length;
  nextBefore = page.nextBefore ?? null;
  byId('ledger-empty').hidden = shown > 0;
  byId('ledger-more').hidden = !nextBefore;
  byId('ledger-count').textContent = shown ? `${shown} entries shown` : '';
}

function money(amount, currency) {
  return `${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency.toUpperCase()}`;
}

function paymentRow(payment) {
  const status = paymentLabels[payment.status] ?? payment.status;
  const badge = paymentBadges[payment.status];
  return h(
    'tr',
    { id: `payment-${payment.id}`, dataset: { paymentId: payment.id, status: payment.status } },
    h('td', { dataset: { label: 'Date' } }, dateTime(payment.paidAt ?? payment.createdAt)),
    h('td', { class: 'mono', dataset: { label: 'Receipt' } }, payment.id),
    h(
      'td',
      { dataset: { label: 'Status' } },
      h('span', { class: badge ? `badge badge-${badge}` : 'badge' }, status),
    ),
    h(
      'td',
      { class: 'num', dataset: { label: 'Paid' } },
      money(payment.amount, payment.currency),
      payment.refunded > 0 ? ` (−${money(payment.refunded, payment.currency)} refunded)` : '',
    ),
    h('td', { class: 'num', dataset: { label: 'Credits' } }, credits(payment.credits)),
  );
}

async function loadPayments() {
  const page = await api('/api/credits/payments?limit=20');
  byId('payments-body').replaceChildren(...page.data.map(paymentRow));
  byId('payments-empty').hidden = page.data.length > 0;
  return page.data;
}

let topups = null;

async function setUpTopUps() {
  topups = await api('/api/credits/topups');
  byId('topup-off').hidden = topups.enabled;
  byId('topup-form').hidden = !topups.enabled;
  if (!topups.enabled) return;
  const input = byId('topup-amount');
  input.min = String(topups.minimum);
  input.max = String(topups.maximum);
  input.value = String(topups.presets[0] ?? topups.minimum);
  const presets = topups.presets.flatMap((amount, index) => {
    const id = `topup-preset-${amount}`;
    const radio = h('input', { type: 'radio', name: 'preset', id, value: String(amount) });
    if (index === 0) radio.checked = true;
    radio.addEventListener('change', () => {
      input.value = String(amount);
    });
    return [radio, h('label', { for: id }, money(amount / 100, topups.currency))];
  });
  byId('topup-presets').replaceChildren(...presets);
  input.addEventListener('input', () => {
    for (const radio of document.querySelectorAll('#topup-presets input')) {
      radio.checked = radio.value === input.value;
    }
  });
  byId('topup-hint').textContent =
    `From ${credits(topups.minimum)} to ${credits(topups.maximum)} credits ` +
    `(${money(topups.minimum / 100, topups.currency)} – ${money(topups.maximum / 100, topups.currency)}). ` +
    'You pay on Stripe and come back here.';
}

byId('topup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = byId('topup-result');
  const amount = Number(byId('topup-amount').value);
  if (!Number.isInteger(amount) || amount < topups.minimum || amount > topups.maximum) {
    showMessage(
      result,
      `Enter a whole number of credits from ${credits(topups.minimum)} to ${credits(topups.maximum)}.`,
    );
    return byId('topup-amount').focus();
  }
  await busy(byId('topup-submit'), async () => {
    try {
      const checkout = await api('/api/credits/checkout', { method: 'POST', body: { amount } });
      showMessage(result, 'Opening Stripe Checkout…', 'success');
      location.assign(checkout.url);
    } catch (error) {
      showMessage(result, error.message);
    }
  });
});

/** Back from Checkout: Stripe's webhook may land a moment after the browser does. */
async function awaitReturn() {
  const params = new URLSearchParams(location.search);
  const outcome = params.get('checkout');
  if (!outcome) return;
  const result = byId('topup-result');
  if (outcome === 'cancelled') return showMessage(result, 'Checkout cancelled; nothing was charged.');
  const sessionId = params.get('session_id');
  showMessage(result, 'Payment received; waiting for Stripe to confirm it…', 'success');
  for (let attempt = 0; attempt < 20; attempt++) {
    const payments = await loadPayments();
    const payment = payments.find((item) => item.checkoutSessionId === sessionId);
    if (payment && payment.status !== 'open' && payment.status !== 'created') {
      if (payment.paidAt) {
        showMessage(result, `Added ${credits(payment.credits)} credits. Thank you!`, 'success');
      } else if (payment.status === 'processing') {
        showMessage(result, 'Your payment is processing; the credits arrive when it settles.', 'success');
      } else {
        showMessage(
          result,
          `The payment did not go through (${paymentLabels[payment.status] ?? payment.status}).`,
        );
      }
      showBalance(await refreshBalance());
      await loadLedger({ reset: true });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  showMessage(result, 'Stripe has not confirmed the payment yet; the credits appear here once it does.');
}

byId('ledger-more').addEventListener('click', () =>
  busy(byId('ledger-more'), () => loadLedger().catch(pageError)),
);

byId('redeem-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = byId('redeem-result');
  const code = byId('redeem-code').value.trim();
  if (!code) {
    showMessage(result, 'Enter a code.');
    return byId('redeem-code').focus();
  }
  await busy(byId('redeem-submit'), async () => {
    try {
      const redeemed = await api('/api/credits/redeem', { method: 'POST', body: { code } });
      event.target.reset();
      showMessage(
        result,
        `Redeemed ${credits(redeemed.credits)} credits. Your balance is now ${creditsShort(redeemed.balance)} credits.`,
        'success',
      );
      showBalance(await refreshBalance());
      await loadLedger({ reset: true });
    } catch (error) {
      showMessage(
        result,
        error.status === 404 ? 'That code does not exist or has already been used.' : error.message,
      );
    }
  });
});

startPage()
  .then(async () => {
    showBalance(await refreshBalance());
    await Promise.all([loadLedger(), loadPayments(), setUpTopUps()]);
    await awaitReturn();
  })
  .catch(pageError);
