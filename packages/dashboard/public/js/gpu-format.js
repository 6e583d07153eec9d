// Formatting shared by the GPU pages (/gpu-recommend, /infra/deployments): prices in
// credits, tiers, the example request a model's input schema implies, copy to clipboard.
import { credits, integer } from './ui.js';

/** `50 credits / call`, `2 credits / s` (a model may have both: `5 credits / call + 1 credits / s`). */
export function priceText(price) {
  const parts = [];
  if (price?.perCall !== undefined && price?.perCall !== null)
    parts.push(`${credits(price.perCall)} credits / call`);
  if (price?.perSecond !== undefined && price?.perSecond !== null)
    parts.push(`${credits(price.perSecond)} credits / s`);
  return parts.length ? parts.join(' + ') : '—';
}

export const perSecondText = (value) =>
  value === null || value === undefined ? '—' : `${credits(value)} credits / s`;

/** `600 s (10 min)`. */
export function secondsText(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 120) return `${integer(seconds)} s`;
  const minutes = seconds / 60;
  return `${integer(seconds)} s (${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min)`;
}

export const memoryText = (gb) => (gb === null || gb === undefined ? '—' : `${integer(gb)} GB`);

/** The schema's fields, required first: `[{ name, type, required, description }]`. */
export function schemaFields(schema) {
  const properties = schema && typeof schema === 'object' ? (schema.properties ?? {}) : {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  return Object.entries(properties)
    .map(([name, field]) => ({
      name,
      type: typeText(field),
      required: required.has(name),
      description: typeof field?.description === 'string' ? field.description : '',
    }))
    .sort((a, b) => Number(b.required) - Number(a.required));
}

function typeText(field) {
  if (!field || typeof field !== 'object') return 'any';
  if (Array.isArray(field.enum)) return field.enum.map((value) => JSON.stringify(value)).join(' | ');
  const type = Array.isArray(field.type) ? field.type.join(' | ') : (field.type ?? 'any');
  const bounds = [];
  if (field.minimum !== undefined) bounds.push(`≥ ${field.minimum}`);
  if (field.maximum !== undefined) bounds.push(`≤ ${field.maximum}`);
  return bounds.length ? `${type} (${bounds.join(', ')})` : type;
}

/** A value for one field in the example request: the schema's example or default, else a plain one. */
function exampleValue(name, field) {
  if (Array.isArray(field?.examples) && field.examples.length) return field.examples[0];
  if (field?.default !== undefined) return field.default;
  if (Array.isArray(field?.enum) && field.enum.length) return field.enum[0];
  const type = Array.isArray(field?.type) ? field.type[0] : field?.type;
  if (type === 'integer' || type === 'number') return field.minimum ?? 1;
  if (type === 'boolean') return false;
  if (type === 'array') return [];
  if (type === 'object') return {};
  return name === 'prompt' ? 'a tabby cat astronaut' : `<${name}>`;
}

/** The `input` of the example request: the required fields (or `prompt` when none is required). */
export function exampleInput(schema) {
  const properties = schema?.properties ?? {};
  const names = Array.isArray(schema?.required) && schema.required.length ? schema.required : ['prompt'];
  return Object.fromEntries(names.map((name) => [name, exampleValue(name, properties[name])]));
}

/** Single-quoted for a POSIX shell: `'it'\''s'`. */
const shellQuote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/** The curl call of POST `path` with `body`, against this gateway. */
export function curlExample(path, body) {
  return [
    `curl -X POST ${location.origin}${path} \\`,
    '  -H "Authorization: Bearer $HYPEREAL_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join('\n');
}

/** Copies `text`; without clipboard access selects `element` for Ctrl+C. Returns the status to show. */
export async function copyText(text, element) {
  try {
    await navigator.clipboard.writeText(text);
    return 'Copied to the clipboard.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(element);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
  }
}
