// Shared page chrome (top bar), formatting and a tiny DOM builder.
// Data from the API only ever reaches the page as text nodes, never as markup.
import { api, loadSession } from './api.js';

/** `h('td', { class: 'num' }, '12')`: strings become text nodes, null/false children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const byId = (id) => document.getElementById(id);

const locale = 'en-US';

/** Credits with up to 6 decimals, as the API stores them: `0.000123`, `1,234.5`. */
export function credits(value) {
  return Number(value ?? 0).toLocaleString(locale, { maximumFractionDigits: 6 });
}

/** Credits for headlines: `1,234.56`; amounts under 1 keep 3 significant digits (`0.0144`). */
export function creditsShort(value) {
  const number = Number(value ?? 0);
  if (number !== 0 && Math.abs(number) < 1) {
    return number.toLocaleString(locale, { maximumSignificantDigits: 3 });
  }
  return number.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export const integer = (value) => Number(value ?? 0).toLocaleString(locale);

export function dateTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

/** Compact local time for log rows (`Nov 23, 22:16:20`); the full date goes in the title. */
export function shortDateTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const when = new Date(ms);
  const sameYear = when.getFullYear() === new Date().getFullYear();
  return when.toLocaleString(locale, {
    year: sameYear ? undefined : 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

export function date(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Shows `message` in an alert element (role="alert" or "status" in the markup), or hides it. */
export function showMessage(element, message, kind = 'error') {
  element.textContent = message ?? '';
  element.className = `alert alert-${kind}`;
  element.hidden = !message;
}

/** Disables a form's submit button while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Every signed-in page starts here: loads the session (or goes to /login), fills the top
 * bar with the email and balance, marks the current nav link and wires "Sign out".
 */
export async function startPage() {
  const session = await loadSession();
  byId('nav-email').textContent = session.user.email;
  for (const link of document.querySelectorAll('.topbar nav a')) {
    // A page below a section (/infra/deployments/new) marks its section's link.
    const href = link.getAttribute('href');
    if (href === location.pathname || location.pathname.startsWith(`${href}/`)) {
      link.setAttribute('aria-current', 'page');
    }
  }
  byId('sign-out').addEventListener('click', async () => {
    try {
      await api('/api/auth/logout', { method: 'POST' });
    } finally {
      location.assign('/login');
    }
  });
  await Promise.all([refreshBalance(), fillOrgSwitcher()]);
  return session;
}

const orgStorageKey = 'hypereal.org';

/** The organization the switcher has selected (its id), or null for the personal account. */
export function selectedOrg() {
  const fromUrl = new URLSearchParams(location.search).get('org');
  return fromUrl || localStorage.getItem(orgStorageKey) || null;
}

export function rememberOrg(id) {
  if (id) localStorage.setItem(orgStorageKey, id);
  else localStorage.removeItem(orgStorageKey);
}

/** The top bar's org switcher: Personal plus every org the user belongs to. */
export async function fillOrgSwitcher() {
  const select = byId('org-switcher');
  if (!select) return [];
  const { data } = await api('/api/orgs');
  const current = selectedOrg();
  select.replaceChildren(
    h('option', { value: '' }, 'Personal'),
    ...data.map((org) => h('option', { value: org.id, selected: org.id === current }, org.name)),
  );
  select.hidden = data.length === 0;
  if (!select.dataset.wired) {
    select.dataset.wired = 'true';
    select.addEventListener('change', () => {
      rememberOrg(select.value);
      location.assign(
        select.value ? `/settings/organization?org=${encodeURIComponent(select.value)}` : '/usage',
      );
    });
  }
  return data;
}

/** Updates the balance in the top bar; returns `{ balance, held, available }`. */
export async function refreshBalance() {
  const balance = await api('/api/credits');
  byId('nav-balance').textContent = `${creditsShort(balance.available)} credits`;
  return balance;
}

/** Replaces a table body's rows, or shows `emptyElement` when there are none. */
export function fillTable(tbody, rows, emptyElement) {
  tbody.replaceChildren(...rows);
  if (emptyElement) emptyElement.hidden = rows.length > 0;
}

/** Reports an error that has no better place on the page. */
export function pageError(error) {
  const element = byId('page-error');
  if (element) showMessage(element, error?.message ?? String(error));
}
