import { sizeForAspect } from '../images/render.ts';
import { isRecord } from '../json.ts';
import type { ValidationProblem } from './errors.ts';
import type { FluxModel } from './models.ts';

export interface FluxRequest {
  prompt: string;
  width: number;
  height: number;
  seed: number;
  outputFormat: 'png' | 'jpeg';
  /** `input_image`, `input_image_2`…: URLs or base64, recorded only (never fetched). */
  inputImages: string[];
  webhookUrl: string | undefined;
}

export type FluxParse = { ok: true; request: FluxRequest } | { ok: false; problems: ValidationProblem[] };

/**
 * Validates a FLUX submit body the way BFL's FastAPI models do (pydantic v2 problem list, all at
 * once). Unknown fields are ignored, as pydantic does by default.
 */
export function parseFluxRequest(body: unknown, model: FluxModel): FluxParse {
  const problems: ValidationProblem[] = [];
  const record = isRecord(body) ? body : {};
  const add = (type: string, field: string, msg: string, input: unknown): void => {
    problems.push({ type, loc: ['body', field], msg, input });
  };
  if (!isRecord(body)) {
    problems.push({
      type: 'model_attributes_type',
      loc: ['body'],
      msg: 'Input should be a valid dictionary or object to extract fields from',
      input: body,
    });
    return { ok: false, problems };
  }
  const prompt = record['prompt'];
  if (prompt === undefined) add('missing', 'prompt', 'Field required', record);
  else if (typeof prompt !== 'string') add('string_type', 'prompt', 'Input should be a valid string', prompt);

  let width = 1024;
  let height = 1024;
  if (model.sizing === 'aspect') {
    const ratio = record['aspect_ratio'] ?? '1:1';
    const size = typeof ratio === 'string' ? sizeForAspect(ratio, model.aspectPixels, 32) : undefined;
    const [w, h] = typeof ratio === 'string' ? ratio.split(':').map(Number) : [Number.NaN, Number.NaN];
    if (!size || !w || !h || w / h > 21 / 9 + 1e-9 || h / w > 21 / 9 + 1e-9) {
      add('value_error', 'aspect_ratio', 'Value error, Aspect ratio must be between 21:9 and 9:21', ratio);
    } else {
      width = size.width;
      height = size.height;
    }
  } else {
    width = dimension(record, 'width', add) ?? 1024;
    height = dimension(record, 'height', add) ?? 1024;
    if (width * height > 4 * 1024 * 1024) {
      add(
        'value_error',
        'width',
        'Value error, width * height must not exceed 4 megapixels',
        record['width'],
      );
    }
  }

  const seedValue = record['seed'];
  if (seedValue !== undefined && seedValue !== null && !Number.isInteger(seedValue)) {
    add('int_type', 'seed', 'Input should be a valid integer', seedValue);
  }
  const format = record['output_format'] ?? model.defaultOutput;
  if (format !== 'png' && format !== 'jpeg') {
    add('enum', 'output_format', "Input should be 'jpeg' or 'png'", format);
  }
  const safety = record['safety_tolerance'] ?? undefined;
  if (
    safety !== undefined &&
    (!Number.isInteger(safety) || (safety as number) < 0 || (safety as number) > model.maxSafety)
  ) {
    add(
      Number.isInteger(safety) ? 'less_than_equal' : 'int_type',
      'safety_tolerance',
      Number.isInteger(safety)
        ? `Input should be less than or equal to ${model.maxSafety}`
        : 'Input should be a valid integer',
      safety,
    );
  }
  const webhook = record['webhook_url'];
  if (
    webhook !== undefined &&
    webhook !== null &&
    (typeof webhook !== 'string' || webhook.length < 1 || webhook.length > 2083)
  ) {
    add('url_parsing', 'webhook_url', 'Input should be a valid URL', webhook);
  }
  const inputImages: string[] = [];
  for (let index = 1; index <= model.maxImages; index += 1) {
    const name = index === 1 ? 'input_image' : `input_image_${index}`;
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') add('string_type', name, 'Input should be a valid string', value);
    else inputImages.push(value);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      prompt: prompt as string,
      width,
      height,
      seed: typeof seedValue === 'number' ? seedValue : Math.floor(Math.random() * 2 ** 31),
      outputFormat: format as 'png' | 'jpeg',
      inputImages,
      webhookUrl: typeof webhook === 'string' ? webhook : undefined,
    },
  };
}

function dimension(
  record: Record<string, unknown>,
  name: string,
  add: (type: string, field: string, msg: string, input: unknown) => void,
): number | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    add('int_type', name, 'Input should be a valid integer', value);
    return undefined;
  }
  if (value < 64) {
    add('greater_than_equal', name, 'Input should be greater than or equal to 64', value);
    return undefined;
  }
  if (value % 16 !== 0) {
    add('multiple_of', name, 'Input should be a multiple of 16', value);
    return undefined;
  }
  return value;
}
