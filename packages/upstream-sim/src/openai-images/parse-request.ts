import { parseDimensions } from '../images/render.ts';
import { isRecord } from '../json.ts';
import { invalidRequest, type OpenAiErrorBody } from '../openai-chat/errors.ts';
import { flexibleSizeProblem, type ImageModelRules, imageModelRules } from './models.ts';

/** A validated `POST /v1/images/generations` body. */
export interface ImageRequest {
  model: string;
  rules: ImageModelRules;
  prompt: string;
  n: number;
  width: number;
  height: number;
  /** As answered in `size` (GPT image models). */
  size: string;
  quality: string;
  responseFormat: 'url' | 'b64_json';
  outputFormat: 'png' | 'jpeg' | 'webp';
  background: 'transparent' | 'opaque';
  /** GPT image models: server-sent events, with `partialImages` (0–3) previews per image. */
  stream: boolean;
  partialImages: number;
}

export type ParseResult = { ok: true; request: ImageRequest } | { ok: false; error: OpenAiErrorBody };

const GPT_ONLY = ['background', 'moderation', 'output_compression', 'output_format', 'partial_images'];

/**
 * Checks a generation request as the API does, with its wording: required `prompt`, the model's
 * limits on `n`, `size`, `quality` and prompt length, GPT-image-only parameters, and
 * `response_format` (DALL·E only: GPT image models reject it as an unknown parameter and always
 * answer base64).
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
export function parseImageRequest(body: unknown): ParseResult {
  if (!isRecord(body)) return fail('Invalid type for body: expected an object.', null, 'invalid_type');
  const prompt = body['prompt'];
  if (prompt === undefined || prompt === null) {
    return fail("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  }
  if (typeof prompt !== 'string') {
    return fail("Invalid type for 'prompt': expected a string.", 'prompt', 'invalid_type');
  }
  const modelValue =
    body['model'] ?? (GPT_ONLY.some((name) => body[name] !== undefined) ? 'gpt-image-1' : 'dall-e-2');
  if (typeof modelValue !== 'string') {
    return fail("Invalid type for 'model': expected a string.", 'model', 'invalid_type');
  }
  const rules = imageModelRules(modelValue);
  if (!rules) {
    return fail(
      `Invalid value: '${modelValue}'. Supported values are: 'gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'dall-e-2', and 'dall-e-3'.`,
      'model',
      'invalid_value',
    );
  }
  if (prompt.length === 0) return fail("Invalid 'prompt': empty string.", 'prompt', 'empty_string');
  if (prompt.length > rules.maxPromptChars) {
    return fail(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${rules.maxPromptChars}, but got a string with length ${prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  const gpt = rules.family === 'gpt-image';
  if (!gpt) {
    const unsupported = GPT_ONLY.find((name) => body[name] !== undefined);
    if (unsupported) return fail(`Unknown parameter: '${unsupported}'.`, unsupported, 'unknown_parameter');
  }
  if (gpt && body['response_format'] !== undefined) {
    return fail("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
  }

  const n = body['n'] ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    return fail("Invalid type for 'n': expected an integer.", 'n', 'invalid_type');
  }
  if (n < 1) {
    return fail(
      `Invalid 'n': integer below minimum value. Expected a value >= 1, but got ${n} instead.`,
      'n',
      'integer_below_min_value',
    );
  }
  if (n > rules.maxN) {
    return fail(
      `Invalid 'n': integer above maximum value. Expected a value <= ${rules.maxN}, but got ${n} instead.`,
      'n',
      'integer_above_max_value',
    );
  }

  const size = parseSize(body['size'], rules);
  if (!size.ok) return size;
  const quality = parseEnum(body['quality'], 'quality', ['auto', ...rules.qualities]);
  if (!quality.ok) return quality;
  const responseFormat = parseEnum(body['response_format'], 'response_format', ['url', 'b64_json']);
  if (!responseFormat.ok) return responseFormat;
  const outputFormat = parseEnum(body['output_format'], 'output_format', ['png', 'jpeg', 'webp']);
  if (!outputFormat.ok) return outputFormat;
  const background = parseEnum(body['background'], 'background', ['auto', 'transparent', 'opaque']);
  if (!background.ok) return background;
  const moderation = parseEnum(body['moderation'], 'moderation', ['auto', 'low']);
  if (!moderation.ok) return moderation;
  if (background.value === 'transparent' && outputFormat.value === 'jpeg') {
    return fail(
      'Transparent background is not supported for jpeg output format. Use png or webp.',
      'background',
      'invalid_value',
    );
  }
  const style = parseEnum(body['style'], 'style', ['vivid', 'natural']);
  if (!style.ok) return style;
  const stream = body['stream'] === true;
  if (stream && !gpt) return fail("Unknown parameter: 'stream'.", 'stream', 'unknown_parameter');
  const partialImages = body['partial_images'] ?? 0;
  if (
    typeof partialImages !== 'number' ||
    !Number.isInteger(partialImages) ||
    partialImages < 0 ||
    partialImages > 3
  ) {
    return fail(
      `Invalid 'partial_images': expected an integer between 0 and 3, got ${JSON.stringify(partialImages)}.`,
      'partial_images',
      'invalid_value',
    );
  }

  const resolvedQuality =
    quality.value === undefined || quality.value === 'auto' ? (gpt ? 'medium' : 'standard') : quality.value;
  return {
    ok: true,
    request: {
      model: modelValue,
      rules,
      prompt,
      n,
      width: size.width,
      height: size.height,
      size: `${size.width}x${size.height}`,
      quality: resolvedQuality,
      responseFormat: gpt ? 'b64_json' : ((responseFormat.value as 'url' | 'b64_json' | undefined) ?? 'url'),
      outputFormat: (outputFormat.value as 'png' | 'jpeg' | 'webp' | undefined) ?? 'png',
      background: background.value === 'transparent' ? 'transparent' : 'opaque',
      stream,
      partialImages,
    },
  };
}

type SizeResult = { ok: true; width: number; height: number } | { ok: false; error: OpenAiErrorBody };

function parseSize(value: unknown, rules: ImageModelRules): SizeResult {
  const gpt = rules.family === 'gpt-image';
  if (value === undefined || value === null || (value === 'auto' && gpt)) {
    return { ok: true, width: 1024, height: 1024 };
  }
  if (typeof value !== 'string')
    return fail("Invalid type for 'size': expected a string.", 'size', 'invalid_type');
  const dimensions = parseDimensions(value);
  if (rules.sizes === undefined) {
    const problem = dimensions
      ? flexibleSizeProblem(dimensions.width, dimensions.height)
      : 'expected WIDTHxHEIGHT';
    if (!dimensions || problem) {
      return fail(`Invalid size '${value}': ${problem}.`, 'size', 'invalid_value');
    }
    return { ok: true, ...dimensions };
  }
  if (!dimensions || !rules.sizes.includes(value)) {
    const allowed = gpt ? [...rules.sizes, 'auto'] : rules.sizes;
    return fail(
      `Invalid value: '${value}'. Supported values are: ${listValues(allowed)}.`,
      'size',
      'invalid_value',
    );
  }
  return { ok: true, ...dimensions };
}

type EnumResult = { ok: true; value: string | undefined } | { ok: false; error: OpenAiErrorBody };

function parseEnum(value: unknown, param: string, allowed: readonly string[]): EnumResult {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value === 'string' && allowed.includes(value)) return { ok: true, value };
  return fail(
    `Invalid value: '${String(value)}'. Supported values are: ${listValues(allowed)}.`,
    param,
    'invalid_value',
  );
}

/** `'a', 'b', and 'c'`, as the API lists allowed values. */
function listValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

function fail(
  message: string,
  param: string | null,
  code: string | null,
): { ok: false; error: OpenAiErrorBody } {
  return { ok: false, error: invalidRequest(message, param, code) };
}
