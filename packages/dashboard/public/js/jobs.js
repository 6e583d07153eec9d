// /jobs: the signed-in user's async jobs (video…), newest first: state, cost, outputs
// (the gateway's signed links), a cancel button on live jobs; "Load more" follows nextBefore.
// Below them, the user's stored files (files.js).
import { api } from './api.js';
import { startFiles } from './files.js';
import { busy, byId, credits, dateTime, fillTable, h, pageError, refreshBalance, startPage } from './ui.js';

const stateLabels = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  expired: 'Expired',
};

let nextBefore = null;
let rows = [];

function outputsCell(job) {
  if (job.outputs.length === 0) return job.error ? h('span', { class: 'hint' }, job.error.message) : '—';
  return h(
    'span',
    {},
    ...job.outputs.map((output, index) =>
      output.url
        ? h('a', { href: output.url, target: '_blank', rel: 'noopener' }, `Output ${index + 1}`)
        : h('span', {}, 'Expired'),
    ),
  );
}

function row(job) {
  const live = job.status === 'queued' || job.status === 'running';
  const cancel = live
    ? h(
        'button',
        { class: 'button button-secondary button-small', type: 'button', 'data-job': job.id },
        'Cancel',
      )
    : '';
  if (cancel) {
    cancel.addEventListener('click', () =>
      busy(cancel, async () => {
        await api(`/api/jobs/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' });
        await load(true);
        await refreshBalance();
      }).catch(pageError),
    );
  }
  const progress = live && job.progress !== null ? ` (${job.progress} %)` : '';
  return h(
    'tr',
    { 'data-job': job.id },
    h('td', { 'data-label': 'Created' }, dateTime(Date.parse(job.createdAt))),
    h('td', { 'data-label': 'Model' }, job.model),
    h('td', { 'data-label': 'State' }, `${stateLabels[job.status] ?? job.status}${progress}`),
    h(
      'td',
      { 'data-label': 'Cost', class: 'num' },
      job.costCredits === null ? '—' : credits(job.costCredits),
    ),
    h('td', { 'data-label': 'Outputs' }, outputsCell(job)),
    h('td', {}, cancel),
  );
}

async function load(reset) {
  const state = byId('jobs-state').value;
  const query = new URLSearchParams({ limit: '50' });
  if (state) query.set('state', state);
  if (!reset && nextBefore) query.set('before', nextBefore);
  const page = await api(`/api/jobs?${query}`);
  rows = reset ? page.data : [...rows, ...page.data];
  nextBefore = page.nextBefore;
  fillTable(byId('jobs-body'), rows.map(row), byId('jobs-empty'));
  byId('jobs-more').hidden = !nextBefore;
}

try {
  await startPage();
  byId('jobs-state').addEventListener('change', () => load(true).catch(pageError));
  byId('jobs-more').addEventListener('click', () => load(false).catch(pageError));
  await Promise.all([load(true), startFiles()]);
} catch (error) {
  pageError(error);
}
