import { parseDimensions } from '../images/render.ts';
import { isRecord } from '../json.ts';
import type { ArkError } from './errors.ts';

export interface SeedreamRequest {
  model: string;
  prompt: string;
  width: number;
  height: number;
  /** `image`: URLs or data URLs, recorded only (the simulator never fetches them). */
  images: string[];
  sequential: boolean;
  /** At most this many images: `max_images` (default 15), less the reference images. */
  maxImages: number;
  /** `max_images` as sent, if it was. */
  askedImages: number | undefined;
  responseFormat: 'url' | 'b64_json';
  watermark: boolean;
  seed: number | undefined;
  stream: boolean;
}

export type SeedreamParse =
  | { ok: true; request: SeedreamRequest }
  | { ok: false; status: number; error: ArkError };

interface SizeRules {
  presets: Record<string, number>;
  minPixels: number;
  maxPixels: number;
  defaultSize: string;
  acceptsImages: boolean;
  sequential: boolean;
  adaptiveOnly: boolean;
}

const K = 1024;

/**
 * Size rules per Seedream generation: 4.0 takes `1K`/`2K`/`4K` or `WxH` between 1280×720 and
 * 4096×4096 pixels; 4.5 and later `2K`/`4K` and at least 2560×1440; 3.0 t2i `WxH` from 512×512 to
 * 2048×2048 and no reference images; SeedEdit 3.0 only `adaptive`. Aspect ratios within 1:16–16:1.
 * @see https://docs.byteplus.com/en/docs/ModelArk/1541523
 */
function sizeRules(model: string): SizeRules {
  if (/seededit-3-0/.test(model)) {
    return {
      presets: {},
      minPixels: 0,
      maxPixels: Number.POSITIVE_INFINITY,
      defaultSize: 'adaptive',
      acceptsImages: true,
      sequential: false,
      adaptiveOnly: true,
    };
  }
  if (/seedream-3-0/.test(model)) {
    return {
      presets: {},
      minPixels: 512 * 512,
      maxPixels: 2048 * 2048,
      defaultSize: '1024x1024',
      acceptsImages: false,
      sequential: false,
      adaptiveOnly: false,
    };
  }
  if (/seedream-4-0/.test(model) || /^ep-/.test(model)) {
    return {
      presets: { '1K': K, '2K': 2 * K, '4K': 4 * K },
      minPixels: 1280 * 720,
      maxPixels: 4096 * 4096,
      defaultSize: '2048x2048',
      acceptsImages: true,
      sequential: true,
      adaptiveOnly: false,
    };
  }
  return {
    presets: { '2K': 2 * K, '4K': 4 * K },
    minPixels: 2560 * 1440,
    maxPixels: 4096 * 4096,
    defaultSize: '2048x2048',
    acceptsImages: true,
    sequential: true,
    adaptiveOnly: false,
  };
}

/** Validates `POST /api/v3/images/generations` in Ark's words (`InvalidParameter` with `param`). */
export function parseSeedreamRequest(body: unknown): SeedreamParse {
  if (!isRecord(body)) return invalid('', 'The request body must be a JSON object.');
  const model = body['model'];
  if (typeof model !== 'string' || model === '') return missing('model');
  const prompt = body['prompt'];
  if (prompt === undefined || prompt === null || prompt === '') return missing('prompt');
  if (typeof prompt !== 'string')
    return invalid('prompt', 'The parameter `prompt` specified in the request is not valid.');
  const rules = sizeRules(model);

  const imageValue = body['image'];
  const images =
    imageValue === undefined || imageValue === null
      ? []
      : Array.isArray(imageValue)
        ? imageValue
        : [imageValue];
  if (!images.every((image) => typeof image === 'string' && image !== '')) {
    return invalid(
      'image',
      'The parameter `image` specified in the request is not valid: expected a URL or a base64 data URL.',
    );
  }
  if (images.length > 0 && !rules.acceptsImages) {
    return invalid('image', `The parameter \`image\` is not supported by the model ${model}.`);
  }
  if (images.length > 14)
    return invalid(
      'image',
      'The parameter `image` specified in the request is not valid: at most 14 reference images.',
    );
  if (rules.adaptiveOnly && images.length !== 1) return missing('image');

  const sizeValue = body['size'] ?? rules.defaultSize;
  if (typeof sizeValue !== 'string')
    return invalid('size', 'The parameter `size` specified in the request is not valid.');
  let width = 1024;
  let height = 1024;
  if (rules.adaptiveOnly) {
    if (sizeValue !== 'adaptive') {
      return invalid(
        'size',
        'The parameter `size` specified in the request is not valid: only `adaptive` is supported.',
      );
    }
  } else {
    const preset = rules.presets[sizeValue.toUpperCase()];
    const dimensions = preset ? { width: preset, height: preset } : parseDimensions(sizeValue);
    const pixels = dimensions ? dimensions.width * dimensions.height : 0;
    const ratio = dimensions ? dimensions.width / dimensions.height : 0;
    if (!dimensions || pixels < rules.minPixels || pixels > rules.maxPixels || ratio > 16 || ratio < 1 / 16) {
      return invalid('size', `The parameter \`size\` specified in the request is not valid: ${sizeValue}.`);
    }
    width = dimensions.width;
    height = dimensions.height;
  }

  const sequentialValue = body['sequential_image_generation'] ?? 'disabled';
  if (sequentialValue !== 'auto' && sequentialValue !== 'disabled') {
    return invalid(
      'sequential_image_generation',
      'The parameter `sequential_image_generation` specified in the request is not valid.',
    );
  }
  if (sequentialValue === 'auto' && !rules.sequential) {
    return invalid(
      'sequential_image_generation',
      `The parameter \`sequential_image_generation\` is not supported by the model ${model}.`,
    );
  }
  const options = body['sequential_image_generation_options'];
  const maxValue = isRecord(options) ? options['max_images'] : undefined;
  const maxImages = maxValue === undefined ? 15 : maxValue;
  if (typeof maxImages !== 'number' || !Number.isInteger(maxImages) || maxImages < 1 || maxImages > 15) {
    return invalid(
      'sequential_image_generation_options.max_images',
      'The parameter `max_images` specified in the request is not valid: it must be an integer in [1, 15].',
    );
  }
  if (sequentialValue === 'auto' && images.length + maxImages > 15 && maxValue !== undefined) {
    return invalid(
      'sequential_image_generation_options.max_images',
      'The number of reference images plus `max_images` must not exceed 15.',
    );
  }
  const format = body['response_format'] ?? 'url';
  if (format !== 'url' && format !== 'b64_json') {
    return invalid(
      'response_format',
      'The parameter `response_format` specified in the request is not valid.',
    );
  }
  // The official SDK sends every field it knows, unset ones as null.
  const seed = body['seed'] ?? undefined;
  if (
    seed !== undefined &&
    (!Number.isInteger(seed) || (seed as number) < -1 || (seed as number) > 2147483647)
  ) {
    return invalid(
      'seed',
      'The parameter `seed` specified in the request is not valid: it must be an integer in [-1, 2147483647].',
    );
  }
  const watermark = body['watermark'] ?? true;
  if (typeof watermark !== 'boolean')
    return invalid('watermark', 'The parameter `watermark` specified in the request is not valid.');
  return {
    ok: true,
    request: {
      model,
      prompt,
      width,
      height,
      images: images as string[],
      sequential: sequentialValue === 'auto',
      maxImages: Math.max(1, Math.min(maxImages, 15 - images.length)),
      askedImages: maxValue === undefined ? undefined : maxImages,
      responseFormat: format,
      watermark,
      seed: typeof seed === 'number' && seed !== -1 ? seed : undefined,
      stream: body['stream'] === true,
    },
  };
}

function invalid(param: string, message: string): SeedreamParse {
  return { ok: false, status: 400, error: { code: 'InvalidParameter', message, param, type: 'BadRequest' } };
}

function missing(param: string): SeedreamParse {
  return {
    ok: false,
    status: 400,
    error: {
      code: 'MissingParameter',
      message: `The request failed because it is missing one or multiple required parameters: \`${param}\`.`,
      param,
      type: 'BadRequest',
    },
  };
}
