/**
 * Stripe's API takes `application/x-www-form-urlencoded` bodies with bracket notation
 * (`metadata[k]=v`, `line_items[0][price_data][currency]=usd`), see
 * https://docs.stripe.com/api/request_ids and the SDK's encoder. This turns such a body
 * into nested objects and arrays (numeric keys become array slots).
 */
export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export function parseFormBody(raw: string): FormObject {
  const root: FormObject = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const path = splitKey(name);
    if (path.length === 0) continue;
    assign(root, path, value);
  }
  return normaliseArrays(root) as FormObject;
}

function splitKey(name: string): string[] {
  const head = name.split('[', 1)[0] ?? '';
  const rest = [...name.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((match) => match[1] ?? '');
  return head === '' ? [] : [head, ...rest];
}

function assign(target: FormObject, path: string[], value: string): void {
  let node = target;
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as FormObject;
  }
}

/** Objects whose keys are all 0..n-1 are arrays (`line_items[0]`, `expand[0]`). */
function normaliseArrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((key) => [key, normaliseArrays(value[key]!)] as const);
  if (keys.length > 0 && keys.every((key, index) => key === String(index))) {
    return entries.map(([, item]) => item);
  }
  return Object.fromEntries(entries);
}
