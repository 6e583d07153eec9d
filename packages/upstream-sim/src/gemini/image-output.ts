import { sizeForAspect } from '../images/render.ts';
import { isRecord } from '../json.ts';
import { type FieldErrors, fail } from './errors.ts';
import { field, joinPath, listField } from './proto-json.ts';

/** What a native image model will draw for this request. */
export interface ImagePlan {
  width: number;
  height: number;
  /** Output tokens the image costs (`candidatesTokensDetails` IMAGE). */
  tokens: number;
  /** `responseModalities` includes TEXT: a short caption comes with the image. */
  withText: boolean;
}

/**
 * Native image output ("Nano Banana"): model ids with `image` in them (not Imagen, which is
 * `:predict`). Without `responseModalities` these models answer text and image.
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 */
export function isImageModel(model: string): boolean {
  return model.includes('image') && !model.startsWith('imagen-');
}

const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
/** Gemini 3.1 Flash Image adds extreme ratios. */
const WIDE_ASPECT_RATIOS = [...ASPECT_RATIOS, '1:4', '4:1', '1:8', '8:1'];

/**
 * Output sizes at 1K from the image generation guide's resolution tables: Gemini 2.5 Flash
 * Image (always 1K, 1290 tokens) and Gemini 3 image models (1K; `2K` and `4K` double and
 * quadruple each side).
 * @see https://ai.google.dev/gemini-api/docs/image-generation#aspect_ratios_and_image_size
 */
const SIZES_25: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};
const SIZES_3: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [848, 1264],
  '3:2': [1264, 848],
  '3:4': [896, 1200],
  '4:3': [1200, 896],
  '4:5': [928, 1152],
  '5:4': [1152, 928],
  '9:16': [768, 1376],
  '16:9': [1376, 768],
  '21:9': [1584, 672],
};

/**
 * Image tokens per output image (what the per-image prices are computed from): 2.5 Flash Image
 * 1290; 3 Pro Image 1120 up to 2K and 2000 at 4K; 3.1 Flash Image 747 at 512, 1120 at 1K, 1680 at
 * 2K, 2520 at 4K.
 * @see https://ai.google.dev/gemini-api/docs/pricing
 */
function imageTokens(model: string, size: string): number {
  if (!/^gemini-3/.test(model)) return 1290;
  if (/flash/.test(model)) return { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 }[size] ?? 1120;
  return size === '4K' ? 2000 : 1120;
}

/**
 * `generationConfig.responseModalities` and `generationConfig.imageConfig` (`aspectRatio`,
 * `imageSize` `1K`/`2K`/`4K`, uppercase K; `512` on 3.1 Flash Image). IMAGE asked of a model that
 * cannot draw is a 400, as upstream.
 */
export function parseImageOutput(
  config: Record<string, unknown>,
  model: string,
  path: string,
  errors: FieldErrors,
): ImagePlan | undefined {
  const modalities = listField(config, 'responseModalities').map((value) => String(value).toUpperCase());
  const wantsImage = modalities.includes('IMAGE');
  if (!isImageModel(model)) {
    if (wantsImage) fail('Model does not support the requested response modalities: image');
    return undefined;
  }
  if (modalities.length > 0 && !wantsImage) return undefined;
  const imageConfigValue = field(config, 'imageConfig');
  const imageConfig = isRecord(imageConfigValue) ? imageConfigValue : {};
  const at = (name: string): string => joinPath(joinPath(path, 'image_config'), name);
  const gemini3 = /^gemini-3/.test(model);
  const flash31 = /^gemini-3\.1-flash/.test(model);
  const ratioValue = field(imageConfig, 'aspectRatio');
  const ratio = typeof ratioValue === 'string' && ratioValue !== '' ? ratioValue : '1:1';
  const allowedRatios = flash31 ? WIDE_ASPECT_RATIOS : ASPECT_RATIOS;
  if (!allowedRatios.includes(ratio)) {
    errors.add(
      at('aspect_ratio'),
      `Unsupported aspect ratio: ${ratio}. Supported values are ${allowedRatios.join(', ')}.`,
    );
  }
  const sizeValue = field(imageConfig, 'imageSize');
  const size = typeof sizeValue === 'string' && sizeValue !== '' ? sizeValue : '1K';
  const allowedSizes = gemini3 ? (flash31 ? ['512', '1K', '2K', '4K'] : ['1K', '2K', '4K']) : ['1K'];
  if (!allowedSizes.includes(size)) {
    errors.add(
      at('image_size'),
      `Unsupported image size: ${size}. Supported values are ${allowedSizes.join(', ')}.`,
    );
  }
  const base = (gemini3 ? SIZES_3 : SIZES_25)[ratio] ??
    sizeForAspect(ratio, 1024 * 1024) ?? { width: 1024, height: 1024 };
  const [w, h] = Array.isArray(base) ? base : [base.width, base.height];
  const scale = size === '4K' ? 4 : size === '2K' ? 2 : size === '512' ? 0.5 : 1;
  return {
    width: Math.round(w * scale),
    height: Math.round(h * scale),
    tokens: imageTokens(model, size),
    withText: modalities.length === 0 || modalities.includes('TEXT'),
  };
}
