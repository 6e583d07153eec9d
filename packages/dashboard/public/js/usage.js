// /usage: range and filters (kept in the address bar), cost-by-model and daily-cost charts
// with table fallbacks, the 10 most expensive requests, the paginated log and CSV export.
import { api } from './api.js';
import {
  byId,
  credits,
  creditsShort,
  dateTime,
  duration,
  fillTable,
  h,
  integer,
  pageError,
  shortDateTime,
  startPage,
} from './ui.js';

const pageSize = 50;
const filterNames = ['endpoint', 'model', 'status', 'keyId', 'q'];
const knownEndpoints = ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/embeddings'];
const palette = [
  '#2548b8',
  '#e07b00',
  '#1f9d6b',
  '#c0392b',
  '#7b4fc9',
  '#0e8fa8',
  '#b8860b',
  '#d6336c',
  '#5c6b7a',
  '#9aa5b1',
];
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;

const state = readState();
const seen = { models: new Set(), endpoints: new Set(knownEndpoints) };
const charts = { byModel: null, daily: null };
let latest = 0;

function readState() {
  const params = new URLSearchParams(location.search);
  const days = Number(params.get('days'));
  const result = { days: [7, 30, 90].includes(days) ? days : 30, offset: 0 };
  for (const name of filterNames) result[name] = params.get(name) ?? '';
  const offset = Number(params.get('offset'));
  if (Number.isInteger(offset) && offset > 0) result.offset = offset;
  return result;
}

/** `days` plus the filters that are set: the query both the page and the export use. */
function filterQuery() {
  const params = new URLSearchParams({ days: String(state.days) });
  for (const name of filterNames) if (state[name]) params.set(name, state[name]);
  return params;
}

function syncForm() {
  byId(`days-${state.days}`).checked = true;
  for (const name of filterNames) byId('filters').elements.namedItem(name).value = state[name];
}

function syncAddress() {
  const params = filterQuery();
  if (state.offset) params.set('offset', String(state.offset));
  history.replaceState(null, '', `${location.pathname}?${params}`);
  byId('export-link').href = `/api/api-usage/export?${filterQuery()}`;
}

function statusBadge(log) {
  const kind = log.status < 300 ? 'ok' : log.status === 429 || log.status < 500 ? 'warn' : 'error';
  return h(
    'td',
    {},
    h('span', { class: `badge badge-${kind}` }, String(log.status)),
    log.errorMessage ? h('span', { class: 'error-text', title: log.errorMessage }, log.errorMessage) : null,
  );
}

const keyName = (log) => log.keyName ?? (log.keyId ? log.keyId : '—');

/** What a call produced: its output tokens, or for image calls the images returned (and their tier). */
const output = (log) =>
  log.images > 0
    ? `${integer(log.images)} image${log.images === 1 ? '' : 's'}${log.imageTier ? ` (${log.imageTier})` : ''}`
    : integer(log.completionTokens);

function logRow(log) {
  return h(
    'tr',
    { dataset: { logId: log.id } },
    h('td', { title: dateTime(log.createdAt) }, shortDateTime(log.createdAt)),
    h('td', {}, h('code', {}, log.endpoint)),
    h('td', { class: 'model' }, log.model ?? '—'),
    statusBadge(log),
    h('td', { class: 'num' }, duration(log.latencyMs)),
    h('td', { class: 'num' }, integer(log.promptTokens)),
    h('td', { class: 'num' }, output(log)),
    h('td', { class: 'num cost' }, credits(log.cost)),
    h('td', {}, keyName(log)),
  );
}

function topRow(log) {
  return h(
    'tr',
    { dataset: { logId: log.id } },
    h('td', { title: dateTime(log.createdAt) }, shortDateTime(log.createdAt)),
    h('td', { class: 'model' }, log.model ?? '—'),
    h('td', {}, h('code', {}, log.endpoint)),
    h('td', { class: 'num' }, `${integer(log.promptTokens)} / ${output(log)}`),
    h('td', { class: 'num cost' }, credits(log.cost)),
    h('td', {}, keyName(log)),
  );
}

/** Every UTC day of the range, oldest first, with the API's totals (0 where there were none). */
function fillDays(dailyCost) {
  const byDate = new Map(dailyCost.map((day) => [day.date, day]));
  const days = [];
  const today = Date.now();
  for (let index = state.days - 1; index >= 0; index--) {
    const date = new Date(today - index * 86_400_000).toISOString().slice(0, 10);
    days.push(byDate.get(date) ?? { date, cost: 0, requests: 0 });
  }
  return days;
}

const round6 = (value) => Math.round(value * 1e6) / 1e6;

function drawChart(key, canvas, config) {
  if (typeof globalThis.Chart !== 'function') return; // Chart.js failed to load: the tables remain.
  if (charts[key]) {
    charts[key].data = config.data;
    charts[key].update();
    return;
  }
  charts[key] = new globalThis.Chart(canvas, {
    ...config,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 300 },
      ...config.options,
    },
  });
}

function renderByModel(costByModel) {
  const sorted = [...costByModel].sort((a, b) => b.cost - a.cost);
  // Free requests (errors) have no slice; they stay in the table below the chart.
  const paid = sorted.filter((item) => item.cost > 0);
  const shown = paid.slice(0, 9);
  const rest = paid.slice(9);
  if (rest.length) {
    shown.push({
      model: `Other (${rest.length})`,
      cost: round6(rest.reduce((sum, item) => sum + item.cost, 0)),
      requests: rest.reduce((sum, item) => sum + item.requests, 0),
    });
  }
  const canvas = byId('by-model-chart');
  canvas.setAttribute(
    'aria-label',
    shown.length
      ? `Cost by model: ${shown.map((item) => `${item.model} ${credits(item.cost)} credits`).join(', ')}.`
      : 'Cost by model: no requests in this range.',
  );
  drawChart('byModel', canvas, {
    type: 'doughnut',
    data: {
      labels: shown.map((item) => item.model),
      datasets: [{ data: shown.map((item) => item.cost), backgroundColor: palette, borderWidth: 1 }],
    },
    options: {
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (item) => ` ${item.label}: ${credits(item.raw)} credits` } },
      },
    },
  });
  fillTable(
    byId('by-model-body'),
    sorted.map((item) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, item.model),
        h('td', { class: 'num' }, integer(item.requests)),
        h('td', { class: 'num' }, credits(item.cost)),
      ),
    ),
  );
}

function renderDaily(dailyCost) {
  const days = fillDays(dailyCost);
  const total = round6(days.reduce((sum, day) => sum + day.cost, 0));
  const peak = days.reduce((best, day) => (day.cost > best.cost ? day : best), days[0]);
  byId('daily-chart').setAttribute(
    'aria-label',
    total > 0
      ? `Daily cost over the last ${state.days} days: ${credits(total)} credits in total, highest ${credits(peak.cost)} on ${peak.date}.`
      : `Daily cost over the last ${state.days} days: nothing spent.`,
  );
  drawChart('daily', byId('daily-chart'), {
    type: 'bar',
    data: {
      labels: days.map((day) => day.date.slice(5)),
      datasets: [{ label: 'Cost (credits)', data: days.map((day) => day.cost), backgroundColor: palette[0] }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => ` ${credits(item.raw)} credits` } },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => credits(value) } } },
    },
  });
  fillTable(
    byId('daily-body'),
    days
      .filter((day) => day.requests > 0)
      .reverse()
      .map((day) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, day.date),
          h('td', { class: 'num' }, integer(day.requests)),
          h('td', { class: 'num' }, credits(day.cost)),
        ),
      ),
  );
  return total;
}

function fillDatalist(id, values) {
  byId(id).replaceChildren(...[...values].sort().map((value) => h('option', { value })));
}

function render(usage) {
  for (const item of usage.costByModel) seen.models.add(item.model);
  for (const log of usage.logs) seen.endpoints.add(log.endpoint);
  fillDatalist('model-options', seen.models);
  fillDatalist('endpoint-options', seen.endpoints);

  const totalCost = renderDaily(usage.dailyCost);
  renderByModel(usage.costByModel);
  byId('stat-cost').textContent = creditsShort(totalCost);
  byId('stat-requests').textContent = integer(usage.total);
  byId('stat-average').textContent = usage.total ? credits(round6(totalCost / usage.total)) : '—';

  fillTable(byId('top-body'), usage.topExpensiveRequests.map(topRow), byId('top-empty'));
  fillTable(byId('log-body'), usage.logs.map(logRow), byId('log-empty'));
  const first = usage.total ? state.offset + 1 : 0;
  const last = Math.min(state.offset + usage.logs.length, usage.total);
  byId('log-range').textContent = `${integer(first)}–${integer(last)} of ${integer(usage.total)}`;
  byId('log-prev').disabled = state.offset === 0;
  byId('log-next').disabled = state.offset + pageSize >= usage.total;
}

async function load() {
  syncAddress();
  const request = ++latest;
  const params = filterQuery();
  params.set('limit', String(pageSize));
  params.set('offset', String(state.offset));
  document.body.setAttribute('aria-busy', 'true');
  try {
    const usage = await api(`/api/api-usage?${params}`);
    if (request !== latest) return; // a newer filter change is on its way
    byId('page-error').hidden = true;
    render(usage);
  } catch (error) {
    pageError(error);
  } finally {
    if (request === latest) document.body.removeAttribute('aria-busy');
  }
}

async function loadKeys() {
  const { data } = await api('/api/api-keys');
  const select = byId('filter-key');
  for (const key of data) {
    const label = key.state === 'revoked' ? `${key.name} (revoked)` : key.name;
    select.append(h('option', { value: key.id }, `${label} · ${key.prefix}…`));
  }
  select.value = state.keyId;
}

byId('range').addEventListener('change', (event) => {
  state.days = Number(event.target.value);
  state.offset = 0;
  void load();
});

byId('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.target;
  for (const name of filterNames) state[name] = form.elements.namedItem(name).value.trim();
  state.offset = 0;
  void load();
});

byId('filters').addEventListener('reset', () => {
  for (const name of filterNames) state[name] = '';
  state.offset = 0;
  void load();
});

// Selects apply at once; text fields on Apply / Enter.
for (const id of ['filter-status', 'filter-key']) {
  byId(id).addEventListener('change', () => byId('filters').requestSubmit());
}

byId('log-prev').addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - pageSize);
  void load();
});

byId('log-next').addEventListener('click', () => {
  state.offset += pageSize;
  void load();
});

syncForm();
startPage()
  .then(() => Promise.all([loadKeys(), load()]))
  .catch(pageError);
