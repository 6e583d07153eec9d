// /gpu-recommend: the serverless GPU catalogue (price, limits, input fields, a curl call to
// copy per model) with a search box, and the GPU tiers deployments run on.
import { api } from './api.js';
import {
  copyText,
  curlExample,
  exampleInput,
  memoryText,
  perSecondText,
  priceText,
  schemaFields,
  secondsText,
} from './gpu-format.js';
import { byId, fillTable, h, pageError, startPage } from './ui.js';

const modeLabels = { sync: 'Answers inline', async: 'Async (202 + poll)' };

let models = [];

function fieldsList(model) {
  const fields = schemaFields(model.inputSchema);
  if (fields.length === 0) return h('p', { class: 'hint' }, 'Any JSON input.');
  return h(
    'ul',
    { class: 'gpu-fields' },
    fields.map((field) =>
      h(
        'li',
        { dataset: { field: field.name } },
        h('code', {}, field.name),
        ' ',
        h('span', { class: 'hint' }, field.type),
        field.required ? h('span', { class: 'badge badge-warn' }, 'required') : null,
        field.description ? h('span', { class: 'gpu-field-text' }, field.description) : null,
      ),
    ),
  );
}

function card(model) {
  const curl = curlExample(`/v1/gpu/${model.slug}`, { input: exampleInput(model.inputSchema) });
  const code = h('code', {}, curl);
  const status = h('span', { class: 'hint', role: 'status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'button button-secondary button-small',
      'aria-label': `Copy curl for ${model.slug}`,
    },
    'Copy',
  );
  copy.addEventListener('click', async () => {
    status.textContent = await copyText(curl, code);
  });
  const name = model.name && model.name !== model.slug ? model.name : null;
  return h(
    'article',
    { class: 'gpu-model', dataset: { model: model.slug }, 'aria-labelledby': `model-${model.slug}` },
    h(
      'header',
      { class: 'gpu-model-head' },
      h('h3', { id: `model-${model.slug}` }, h('code', {}, model.slug), name ? ` · ${name}` : ''),
      h(
        'div',
        { class: 'gpu-badges' },
        (model.modalities ?? []).map((modality) => h('span', { class: 'badge' }, modality)),
        h(
          'span',
          { class: `badge badge-${model.mode === 'sync' ? 'ok' : 'warn'}` },
          modeLabels[model.mode] ?? model.mode,
        ),
      ),
    ),
    h(
      'dl',
      { class: 'gpu-facts' },
      h('div', {}, h('dt', {}, 'Price'), h('dd', { dataset: { price: model.slug } }, priceText(model.price))),
      h(
        'div',
        {},
        h('dt', {}, 'Max execution'),
        h('dd', { dataset: { maxSeconds: model.slug } }, secondsText(model.maxSeconds)),
      ),
    ),
    h('h4', {}, 'Input fields'),
    fieldsList(model),
    h(
      'div',
      { class: 'gpu-curl-head' },
      h('h4', {}, 'Call it'),
      h('div', { class: 'copy-row' }, copy, status),
    ),
    h('pre', { class: 'gpu-curl', tabindex: '0' }, code),
  );
}

function matches(model, query) {
  if (!query) return true;
  const text = [model.slug, model.name, model.mode, ...(model.modalities ?? [])].join(' ').toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word));
}

function render() {
  const query = byId('model-search').value.trim();
  const shown = models.filter((model) => matches(model, query));
  byId('models-list').replaceChildren(...shown.map(card));
  byId('models-empty').hidden = shown.length > 0 || models.length === 0;
  byId('models-count').textContent =
    models.length === 0
      ? 'No GPU models are configured on this gateway.'
      : query
        ? `${shown.length} of ${models.length} models`
        : `${models.length} models`;
}

function tierRow(tier) {
  return h(
    'tr',
    { dataset: { tier: tier.id } },
    h('th', { scope: 'row' }, h('code', {}, tier.id)),
    h('td', { dataset: { label: 'GPU' } }, tier.name),
    h('td', { dataset: { label: 'Memory' }, class: 'num' }, memoryText(tier.memoryGb)),
    h('td', { dataset: { label: 'Credits / s' }, class: 'num' }, perSecondText(tier.pricePerSecondCredits)),
  );
}

try {
  await startPage();
  const [catalogue, tiers] = await Promise.all([api('/api/gpu/models'), api('/api/gpu/tiers')]);
  models = catalogue.data;
  byId('model-search').addEventListener('input', render);
  render();
  fillTable(byId('tiers-body'), tiers.data.map(tierRow), byId('tiers-empty'));
} catch (error) {
  pageError(error);
}
