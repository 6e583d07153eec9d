// /infra/deployments: the signed-in user's deployments (state, scaling, workers, price),
// edit (scaling, idle timeout, webhook), delete after a confirmation, and each one's recent
// jobs with their execution time and the credits they were charged. While a deployment is
// provisioning or a shown job is live, the page refreshes itself.
import { api } from './api.js';
import { perSecondText, secondsText } from './gpu-format.js';
import {
  busy,
  byId,
  credits,
  dateTime,
  duration,
  fillTable,
  h,
  pageError,
  showMessage,
  startPage,
} from './ui.js';

const stateLabels = {
  provisioning: 'Provisioning',
  ready: 'Ready',
  scaled_to_zero: 'Scaled to zero',
  unhealthy: 'Unhealthy',
  failed: 'Failed',
};
const jobLabels = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  expired: 'Expired',
};
const refreshMs = 1500;
const refreshForMs = 10 * 60_000;

let deployments = [];
let jobs = [];
/** The deployment whose jobs are shown. */
let shown = null;
let timer = null;
let refreshingSince = null;

const announce = (message) => {
  byId('deployments-status').textContent = message;
};
const when = (value) =>
  value === null || value === undefined ? null : typeof value === 'number' ? value : Date.parse(value);
const tiersOf = (deployment) =>
  (Array.isArray(deployment.gpuTypes) ? deployment.gpuTypes : String(deployment.gpuTypes ?? '').split(','))
    .map((tier) => tier.trim())
    .filter(Boolean);

/** A job's `error`: `{ message }` (or a bare string from an older gateway). */
const errorText = (error) => (typeof error === 'string' ? error : (error.message ?? 'Failed.'));

function workersText(workers) {
  if (!workers) return '—';
  return `${workers.idle ?? 0} idle · ${workers.running ?? 0} running · ${workers.initializing ?? 0} starting`;
}

function actionButton(label, deployment, onclick, danger = false) {
  return h(
    'button',
    {
      type: 'button',
      class: danger ? 'link-button danger' : 'link-button',
      'aria-label': `${label} ${deployment.slug}`,
      onclick,
    },
    label,
  );
}

function row(deployment) {
  return h(
    'tr',
    { dataset: { deployment: deployment.slug } },
    h(
      'th',
      { scope: 'row' },
      h('code', { class: 'deployment-slug' }, deployment.slug),
      h('span', { class: 'deployment-name' }, deployment.name),
      deployment.workflow ? h('span', { class: 'deployment-name hint' }, 'ComfyUI workflow stored') : null,
    ),
    h(
      'td',
      { dataset: { label: 'Image' } },
      h(
        'div',
        {},
        h('code', { class: 'gpu-image', title: deployment.dockerImage }, deployment.dockerImage),
        h('span', { class: 'cell-line hint', dataset: { backend: '' } }, `on ${deployment.backend}`),
      ),
    ),
    h('td', { dataset: { label: 'GPU tiers' } }, tiersOf(deployment).join(', ')),
    h(
      'td',
      { dataset: { label: 'Scaling' } },
      h(
        'div',
        {},
        h(
          'span',
          { class: 'cell-line', dataset: { workersRange: '' } },
          `${deployment.minWorkers}–${deployment.maxWorkers} workers`,
        ),
        h(
          'span',
          { class: 'cell-line hint', dataset: { idleTimeout: '' } },
          `idle timeout ${secondsText(deployment.idleTimeoutSeconds)}`,
        ),
      ),
    ),
    h(
      'td',
      { dataset: { label: 'State' } },
      h(
        'div',
        {},
        h(
          'span',
          { class: `badge badge-${deployment.state}` },
          stateLabels[deployment.state] ?? deployment.state,
        ),
        h('span', { class: 'cell-line hint', dataset: { workers: '' } }, workersText(deployment.workers)),
      ),
    ),
    h('td', { dataset: { label: 'Price' }, class: 'num' }, perSecondText(deployment.pricePerSecondCredits)),
    h(
      'td',
      { class: 'actions' },
      h(
        'div',
        {},
        actionButton('Jobs', deployment, () => showJobs(deployment.slug).catch(pageError)),
        actionButton('Edit', deployment, () => edit(deployment)),
        actionButton('Delete', deployment, () => remove(deployment), true),
      ),
    ),
  );
}

function jobRow(job) {
  return h(
    'tr',
    { dataset: { job: job.job_id } },
    h('th', { scope: 'row' }, h('code', {}, job.job_id)),
    h('td', { dataset: { label: 'Created' } }, dateTime(when(job.createdAt))),
    h(
      'td',
      { dataset: { label: 'Status' } },
      h(
        'div',
        {},
        h('span', { class: 'cell-line' }, jobLabels[job.status] ?? job.status),
        job.error
          ? h('span', { class: 'error-text', title: errorText(job.error) }, errorText(job.error))
          : null,
      ),
    ),
    h('td', { dataset: { label: 'Execution' }, class: 'num' }, duration(job.executionMs)),
    h(
      'td',
      { dataset: { label: 'Credits charged' }, class: 'num' },
      job.creditsCharged === null || job.creditsCharged === undefined ? '—' : credits(job.creditsCharged),
    ),
    h('td', { dataset: { label: 'Output' } }, outputLinks(job.output)),
  );
}

/** `Image 1`, `Video 1` links to the job's stored outputs (signed links; gone after retention). */
function outputLinks(output) {
  const links = [
    ...(output?.images ?? []).map((url, index) => [url, `Image ${index + 1}`]),
    ...(output?.videos ?? []).map((url, index) => [url, `Video ${index + 1}`]),
  ];
  if (links.length === 0) return '—';
  return h(
    'div',
    { class: 'output-links' },
    links.map(([url, label]) => h('a', { href: url, target: '_blank', rel: 'noopener' }, label)),
  );
}

async function loadDeployments() {
  const { data } = await api('/api/deployments');
  deployments = data;
  fillTable(byId('deployments-body'), deployments.map(row), byId('deployments-empty'));
  if (shown && !deployments.some((deployment) => deployment.slug === shown)) {
    shown = null;
    byId('jobs-card').hidden = true;
  }
}

async function loadJobs() {
  if (!shown) return;
  const { data } = await api(`/api/deployments/${encodeURIComponent(shown)}/jobs`);
  jobs = data;
  fillTable(byId('jobs-body'), jobs.map(jobRow), byId('jobs-empty'));
}

async function showJobs(slug) {
  shown = slug;
  byId('jobs-title').textContent = `Recent jobs · ${slug}`;
  const stored = deployments.find((deployment) => deployment.slug === slug)?.workflow;
  const input = stored
    ? '{"input": {"prompt": "…", "seed": 42, "workflow_overrides": {"<node title>.<input>": …}}}'
    : '{"input": {…}}';
  byId('jobs-call').textContent =
    `Run one: POST /v1/gpu/run/${slug} with ${input}; poll GET /v1/gpu/jobs/{job_id}.`;
  byId('jobs-card').hidden = false;
  await loadJobs();
  byId('jobs-title').scrollIntoView({ block: 'nearest' });
  schedule();
}

/** Refreshes while something on the page is still changing. */
function schedule() {
  clearTimeout(timer);
  const settling = deployments.some(
    (deployment) => deployment.state === 'provisioning' || (deployment.workers?.initializing ?? 0) > 0,
  );
  const live = jobs.some((job) => job.status === 'queued' || job.status === 'running');
  if (!settling && !live) {
    refreshingSince = null;
    return;
  }
  // Something stuck (a backend that never answers) is not polled forever: reload to look again.
  refreshingSince ??= Date.now();
  if (Date.now() - refreshingSince > refreshForMs) return;
  timer = setTimeout(async () => {
    try {
      await Promise.all([loadDeployments(), loadJobs()]);
      schedule();
    } catch (error) {
      pageError(error);
    }
  }, refreshMs);
}

// Edit: one dialog, filled for the deployment being edited.
let editing = null;

function edit(deployment) {
  editing = deployment;
  byId('edit-slug').textContent = `Deployment: ${deployment.slug} (${deployment.name})`;
  byId('edit-min').value = deployment.minWorkers;
  byId('edit-max').value = deployment.maxWorkers;
  byId('edit-idle').value = deployment.idleTimeoutSeconds;
  byId('edit-webhook').value = deployment.webhookUrl ?? '';
  showMessage(byId('edit-error'), '');
  byId('edit-dialog').showModal();
  byId('edit-min').focus();
}

function readEdit() {
  const numbers = {};
  for (const [key, id, label, min, max] of [
    ['minWorkers', 'edit-min', 'Min workers', 0, 100],
    ['maxWorkers', 'edit-max', 'Max workers', 0, 100],
    ['idleTimeoutSeconds', 'edit-idle', 'The idle timeout', 1, 3600],
  ]) {
    const text = byId(id).value.trim();
    const value = Number(text);
    if (text === '' || !Number.isInteger(value) || value < min || value > max)
      return { field: id, error: `${label} must be a whole number from ${min} to ${max}.` };
    numbers[key] = value;
  }
  if (numbers.minWorkers > numbers.maxWorkers)
    return { field: 'edit-max', error: 'Max workers must be at least min workers.' };
  const webhookUrl = byId('edit-webhook').value.trim();
  if (webhookUrl && !/^https?:\/\//i.test(webhookUrl))
    return { field: 'edit-webhook', error: 'The webhook URL starts with https:// (or http://).' };
  return { body: { ...numbers, webhookUrl: webhookUrl || null } };
}

byId('edit-cancel').addEventListener('click', () => byId('edit-dialog').close());

byId('edit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const deployment = editing;
  const form = readEdit();
  if (form.error) {
    showMessage(byId('edit-error'), form.error);
    return byId(form.field).focus();
  }
  await busy(byId('edit-save'), async () => {
    try {
      await api(`/api/deployments/${encodeURIComponent(deployment.slug)}`, {
        method: 'PATCH',
        body: form.body,
      });
      byId('edit-dialog').close();
      announce(`${deployment.slug} saved.`);
      await loadDeployments();
      schedule();
    } catch (error) {
      showMessage(byId('edit-error'), error.message);
    }
  });
});

// Delete, after a confirmation naming what goes.
function confirmDelete(deployment) {
  const dialog = byId('delete-dialog');
  byId('delete-text').textContent =
    `“${deployment.name}” (${deployment.slug}) is removed from its GPU backend and POST /v1/gpu/run/${deployment.slug} stops working. Its past jobs stay billed as they were.`;
  return new Promise((resolve) => {
    const ok = byId('delete-ok');
    const cancel = byId('delete-cancel');
    const finish = (value) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onCancel);
      resolve(value);
    };
    const onOk = () => finish(true);
    const onCancel = () => {
      finish(false);
      if (dialog.open) dialog.close();
    };
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onCancel);
    dialog.showModal();
    cancel.focus();
  });
}

async function remove(deployment) {
  if (!(await confirmDelete(deployment))) return;
  const dialog = byId('delete-dialog');
  try {
    await busy(byId('delete-ok'), () =>
      api(`/api/deployments/${encodeURIComponent(deployment.slug)}`, { method: 'DELETE' }),
    );
    announce(`${deployment.slug} deleted.`);
  } catch (error) {
    pageError(error);
  } finally {
    if (dialog.open) dialog.close();
  }
  await loadDeployments();
}

try {
  await startPage();
  await loadDeployments();
  const created = new URLSearchParams(location.search).get('created');
  if (created && deployments.some((deployment) => deployment.slug === created)) {
    showMessage(
      byId('page-notice'),
      `Deployment ${created} created. Its state updates here as it is provisioned.`,
      'success',
    );
    history.replaceState(null, '', location.pathname);
  }
  schedule();
} catch (error) {
  pageError(error);
}
