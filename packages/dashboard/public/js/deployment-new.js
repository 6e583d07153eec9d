// /infra/deployments/new: the create form (slug, name, image, GPU tiers from /api/gpu/tiers,
// scaling, max seconds, env, webhook). A created deployment is provisioned at once; the list
// page shows its state.
import { api } from './api.js';
import { memoryText, perSecondText } from './gpu-format.js';
import { busy, byId, h, pageError, showMessage, startPage } from './ui.js';

const slugPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The form field the server names in an error's `param`. */
const fieldOfParam = {
  slug: 'dep-slug',
  name: 'dep-name',
  dockerImage: 'dep-image',
  minWorkers: 'dep-min',
  maxWorkers: 'dep-max',
  idleTimeoutSeconds: 'dep-idle',
  maxSeconds: 'dep-max-seconds',
  webhookUrl: 'dep-webhook',
  backend: 'dep-backend',
};
function fieldOf(param) {
  if (param === 'gpuTypes') return document.querySelector('input[name="gpuTypes"]')?.id;
  if (typeof param === 'string' && (param === 'workflow' || param.startsWith('workflow.')))
    return 'dep-workflow';
  return fieldOfParam[param];
}

/** What the gateway accepts (RunPod's ranges): workers 0–100, idle 1 s–1 h, a job 5 s–7 days. */
const limits = {
  minWorkers: { label: 'Min workers', min: 0, max: 100 },
  maxWorkers: { label: 'Max workers', min: 0, max: 100 },
  idleTimeoutSeconds: { label: 'The idle timeout', min: 1, max: 3600 },
  maxSeconds: { label: 'The job limit', min: 5, max: 7 * 24 * 3600 },
};
const numberFields = {
  minWorkers: 'dep-min',
  maxWorkers: 'dep-max',
  idleTimeoutSeconds: 'dep-idle',
  maxSeconds: 'dep-max-seconds',
};

let envCount = 0;

function addEnvRow(key = '', value = '') {
  const index = ++envCount;
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'button button-secondary button-small',
      'aria-label': `Remove variable ${index}`,
    },
    'Remove',
  );
  const row = h(
    'div',
    { class: 'env-row', dataset: { envRow: String(index) } },
    h(
      'div',
      { class: 'field' },
      h('label', { for: `env-key-${index}` }, `Variable ${index} name`),
      h('input', {
        id: `env-key-${index}`,
        type: 'text',
        class: 'env-key',
        value: key,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'HF_TOKEN',
      }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: `env-value-${index}` }, `Variable ${index} value`),
      h('input', {
        id: `env-value-${index}`,
        type: 'password',
        class: 'env-value',
        value,
        autocomplete: 'off',
      }),
    ),
    remove,
  );
  remove.addEventListener('click', () => row.remove());
  byId('env-rows').append(row);
  return row;
}

function tierOption(tier, index) {
  const id = `tier-${tier.id}`;
  return h(
    'label',
    { class: 'checkbox', for: id },
    h('input', { id, type: 'checkbox', name: 'gpuTypes', value: tier.id, checked: index === 0 }),
    h(
      'span',
      {},
      h('code', {}, tier.id),
      // Tier names often carry the memory already: "A100 (80 GB)".
      tier.name.includes(memoryText(tier.memoryGb))
        ? ` ${tier.name} · `
        : ` ${tier.name} · ${memoryText(tier.memoryGb)} · `,
      h('span', { class: 'hint' }, perSecondText(tier.pricePerSecondCredits)),
    ),
  );
}

const backendLabels = { runpod: 'RunPod serverless', workers: 'Self-hosted GPU workers' };

/** The backend choice, shown only when this gateway has more than one. */
function fillBackends(backends) {
  byId('dep-backend').replaceChildren(
    ...backends.map((backend) =>
      h(
        'option',
        { value: backend.id, selected: backend.default },
        `${backendLabels[backend.kind] ?? backend.kind} (${backend.id})`,
      ),
    ),
  );
  byId('backend-row').hidden = backends.length < 2;
}

/** A whole number in [min, max] from a field, or an Error naming it. */
function wholeNumber(id, label, min, max) {
  const text = byId(id).value.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min || value > max)
    return new Error(`${label} must be a whole number from ${min} to ${max}.`);
  return value;
}

/** The request body, or `{ error, field }` for the first thing to fix. */
function readForm() {
  const slug = byId('dep-slug').value.trim();
  const name = byId('dep-name').value.trim();
  const dockerImage = byId('dep-image').value.trim();
  const webhookUrl = byId('dep-webhook').value.trim();
  if (!slugPattern.test(slug))
    return {
      field: 'dep-slug',
      error:
        'The slug is 2 to 63 characters: lower-case letters, digits and dashes, starting with a letter or digit.',
    };
  if (!name) return { field: 'dep-name', error: 'Give the deployment a name.' };
  if (!dockerImage) return { field: 'dep-image', error: 'Name the Docker image its workers run.' };
  const gpuTypes = [...document.querySelectorAll('input[name="gpuTypes"]:checked')].map((box) => box.value);
  if (gpuTypes.length === 0)
    return {
      field: document.querySelector('input[name="gpuTypes"]')?.id,
      error: 'Pick at least one GPU tier.',
    };
  const numbers = {};
  for (const [key, id] of Object.entries(numberFields)) {
    const { label, min, max } = limits[key];
    const value = wholeNumber(id, label, min, max);
    if (value instanceof Error) return { field: id, error: value.message };
    numbers[key] = value;
  }
  if (numbers.minWorkers > numbers.maxWorkers)
    return { field: 'dep-max', error: 'Max workers must be at least min workers.' };
  const env = {};
  for (const row of document.querySelectorAll('.env-row')) {
    const keyInput = row.querySelector('.env-key');
    const key = keyInput.value.trim();
    const value = row.querySelector('.env-value').value;
    if (!key && !value) continue;
    if (!envKeyPattern.test(key))
      return {
        field: keyInput.id,
        error: 'A variable name is letters, digits and underscores, not starting with a digit.',
      };
    if (key in env) return { field: keyInput.id, error: `${key} is set twice.` };
    env[key] = value;
  }
  if (webhookUrl && !/^https?:\/\//i.test(webhookUrl))
    return { field: 'dep-webhook', error: 'The webhook URL starts with https:// (or http://).' };
  const workflowText = byId('dep-workflow').value.trim();
  if (workflowText) {
    try {
      const graph = JSON.parse(workflowText);
      if (graph === null || typeof graph !== 'object' || Array.isArray(graph))
        throw new Error('not an object');
    } catch {
      return {
        field: 'dep-workflow',
        error: 'The workflow is not a JSON object: paste the API-format export (Workflow › Export (API)).',
      };
    }
  }
  return {
    body: {
      slug,
      name,
      dockerImage,
      gpuTypes: gpuTypes.join(','),
      ...numbers,
      env,
      ...(webhookUrl ? { webhookUrl } : {}),
      ...(byId('dep-backend').value ? { backend: byId('dep-backend').value } : {}),
      // The text as pasted: the gateway parses and checks the graph (400 naming a bad node).
      ...(workflowText ? { workflow: workflowText } : {}),
    },
  };
}

async function submit(event) {
  event.preventDefault();
  const error = byId('create-error');
  const form = readForm();
  if (form.error) {
    showMessage(error, form.error);
    if (form.field) byId(form.field)?.focus();
    return;
  }
  showMessage(error, '');
  await busy(byId('create-submit'), async () => {
    try {
      const created = await api('/api/deployments', { method: 'POST', body: form.body });
      location.assign(`/infra/deployments?created=${encodeURIComponent(created.slug)}`);
    } catch (failure) {
      showMessage(error, failure.message);
      const field = fieldOf(failure.param);
      if (field) byId(field).focus();
    }
  });
}

try {
  await startPage();
  const [tiers, backends] = await Promise.all([api('/api/gpu/tiers'), api('/api/gpu/backends')]);
  fillBackends(backends.data);
  byId('tier-options').replaceChildren(...tiers.data.map(tierOption));
  if (tiers.data.length === 0)
    byId('tier-options').append(h('p', { class: 'hint' }, 'This gateway has no GPU tiers configured.'));
  byId('env-add').addEventListener('click', () => addEnvRow().querySelector('input').focus());
  byId('create-form').addEventListener('submit', submit);
} catch (error) {
  pageError(error);
}
