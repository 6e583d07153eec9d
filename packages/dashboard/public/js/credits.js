// /credits: balance / held / available, redeem a code, and the ledger (newest first,
// "Load more" follows nextBefore).
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
};

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
    await loadLedger();
  })
  .catch(pageError);
