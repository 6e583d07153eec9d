// /manage-api-keys: list, create (secret shown once), edit the monthly limit, disable,
// re-enable and revoke keys.
import { api } from './api.js';
import {
  busy,
  byId,
  creditsShort,
  date,
  dateTime,
  fillTable,
  h,
  pageError,
  showMessage,
  startPage,
} from './ui.js';

const stateLabels = {
  active: 'Active',
  disabled: 'Disabled',
  capped: 'Limit reached',
  revoked: 'Revoked',
  expired: 'Expired',
};

let keys = [];

/** `''` → null (no limit); otherwise a positive number, or an Error to show. */
function parseLimit(text) {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value <= 0)
    return new Error('The spending limit must be a number of credits above 0.');
  return value;
}

function announce(message) {
  byId('keys-status').textContent = message;
}

function spendCell(key) {
  const spent = Number(key.monthToDateSpend ?? 0);
  const cell = (...content) =>
    h('td', { class: 'spend', dataset: { label: 'Spend this month' } }, h('div', {}, content));
  if (key.spendingLimit === null || key.spendingLimit === undefined) {
    return cell(creditsShort(spent), ' ', h('span', { class: 'hint' }, '/ no limit'));
  }
  const limit = Number(key.spendingLimit);
  const ratio = limit > 0 ? spent / limit : 1;
  const percent = Math.min(100, Math.round(ratio * 100));
  const level = ratio >= 1 ? ' meter-full' : ratio >= 0.8 ? ' meter-high' : '';
  return cell(
    `${creditsShort(spent)} / ${creditsShort(limit)}`,
    h('progress', {
      class: `meter${level}`,
      max: 100,
      value: percent,
      'aria-label': `${percent}% of the monthly limit used`,
    }),
  );
}

function actionsCell(key) {
  const buttons = [];
  if (key.state === 'disabled' || key.state === 'capped') {
    buttons.push(
      h('button', { type: 'button', class: 'link-button', onclick: () => enable(key) }, 'Re-enable'),
    );
  }
  if (key.state !== 'revoked' && key.state !== 'expired') {
    buttons.push(
      h('button', { type: 'button', class: 'link-button', onclick: () => editLimit(key) }, 'Edit limit'),
    );
    if (key.state === 'active') {
      buttons.push(
        h('button', { type: 'button', class: 'link-button', onclick: () => disable(key) }, 'Disable'),
      );
    }
    buttons.push(
      h('button', { type: 'button', class: 'link-button danger', onclick: () => revoke(key) }, 'Revoke'),
    );
  }
  // Each button's accessible name says which key it acts on.
  for (const button of buttons) button.setAttribute('aria-label', `${button.textContent} ${key.name}`);
  return h('td', { class: 'actions' }, h('div', {}, buttons.length ? buttons : '—'));
}

function row(key) {
  return h(
    'tr',
    { dataset: { keyId: key.id } },
    h('th', { scope: 'row' }, key.name),
    h('td', { dataset: { label: 'Key' } }, h('code', {}, `${key.prefix}…`)),
    h('td', { dataset: { label: 'Created' }, title: dateTime(key.createdAt) }, date(key.createdAt)),
    h('td', { dataset: { label: 'Last used' } }, key.lastUsedAt ? dateTime(key.lastUsedAt) : 'Never'),
    spendCell(key),
    h(
      'td',
      { dataset: { label: 'State' } },
      h('span', { class: `badge badge-${key.state}` }, stateLabels[key.state] ?? key.state),
    ),
    actionsCell(key),
  );
}

function render() {
  fillTable(byId('keys-body'), keys.map(row), byId('keys-empty'));
}

async function load() {
  const { data } = await api('/api/api-keys');
  keys = data;
  render();
}

async function act(work, message) {
  showMessage(byId('page-error'), '');
  try {
    await work();
    announce(message);
    await load();
  } catch (error) {
    pageError(error);
  }
}

const enable = (key) =>
  act(
    () => api(`/api/api-keys/${encodeURIComponent(key.id)}/enable`, { method: 'POST' }),
    `${key.name} re-enabled.`,
  );

const disable = (key) =>
  act(
    () => api(`/api/api-keys/${encodeURIComponent(key.id)}`, { method: 'PATCH', body: { disabled: true } }),
    `${key.name} disabled.`,
  );

async function revoke(key) {
  const dialog = byId('confirm-dialog');
  byId('confirm-text').textContent =
    `“${key.name}” (${key.prefix}…) stops working immediately. Revoking cannot be undone.`;
  const confirmed = await new Promise((resolve) => {
    const ok = byId('confirm-ok');
    const cancel = byId('confirm-cancel');
    const finish = (value) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => finish(true);
    const onCancel = () => finish(false);
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onCancel);
    dialog.showModal();
    cancel.focus();
  });
  if (confirmed) {
    await act(
      () => api(`/api/api-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' }),
      `${key.name} revoked.`,
    );
  }
}

// Edit limit: one dialog, filled for the key being edited.
let editing = null;

function editLimit(key) {
  editing = key;
  byId('limit-key-name').textContent = `Key: ${key.name} (${key.prefix}…)`;
  byId('limit-value').value = key.spendingLimit ?? '';
  byId('limit-auto-disable').checked = Boolean(key.autoDisable);
  showMessage(byId('limit-error'), '');
  byId('limit-dialog').showModal();
  byId('limit-value').focus();
}

byId('limit-cancel').addEventListener('click', () => byId('limit-dialog').close());

byId('limit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = editing;
  const spendingLimit = parseLimit(byId('limit-value').value);
  if (spendingLimit instanceof Error) return showMessage(byId('limit-error'), spendingLimit.message);
  await busy(byId('limit-save'), async () => {
    try {
      await api(`/api/api-keys/${encodeURIComponent(key.id)}`, {
        method: 'PATCH',
        body: { spendingLimit, autoDisable: byId('limit-auto-disable').checked },
      });
      byId('limit-dialog').close();
      announce(`Limit of ${key.name} saved.`);
      await load();
    } catch (error) {
      showMessage(byId('limit-error'), error.message);
    }
  });
});

// Create, then reveal the secret once. Closing the dialog (button or Escape) erases it.
const secretDialog = byId('secret-dialog');

function revealSecret(secret) {
  byId('secret-value').textContent = secret;
  byId('copy-status').textContent = '';
  secretDialog.showModal();
  byId('copy-secret').focus();
}

function forgetSecret() {
  byId('secret-value').textContent = '';
  byId('copy-status').textContent = '';
}

// The dialog's `close` event fires a task later (Escape): the button erases the secret at once.
secretDialog.addEventListener('close', () => {
  forgetSecret();
  byId('key-name').focus();
});

byId('close-secret').addEventListener('click', () => {
  forgetSecret();
  secretDialog.close();
});

byId('copy-secret').addEventListener('click', async () => {
  const secret = byId('secret-value').textContent;
  try {
    await navigator.clipboard.writeText(secret);
    byId('copy-status').textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard access (permissions, insecure origin): select it for Ctrl+C / ⌘C.
    const range = document.createRange();
    range.selectNodeContents(byId('secret-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    byId('copy-status').textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
  }
});

byId('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = byId('create-error');
  const name = byId('key-name').value.trim();
  const spendingLimit = parseLimit(byId('key-limit').value);
  if (!name) {
    showMessage(error, 'Give the key a name.');
    return byId('key-name').focus();
  }
  if (spendingLimit instanceof Error) {
    showMessage(error, spendingLimit.message);
    return byId('key-limit').focus();
  }
  showMessage(error, '');
  await busy(byId('create-submit'), async () => {
    try {
      const body = { name, autoDisable: byId('key-auto-disable').checked };
      if (spendingLimit !== null) body.spendingLimit = spendingLimit;
      const created = await api('/api/api-keys', { method: 'POST', body });
      event.target.reset();
      revealSecret(created.key);
      await load();
    } catch (failure) {
      showMessage(error, failure.message);
    }
  });
});

startPage().then(load).catch(pageError);
