import { GatewayError } from '../errors/index.ts';
import type { ImageJob } from '../providers/images/index.ts';
import { defaultImageRules, type ImageRules, type ReferenceSource } from '../routing/image-rules.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';
import type { ImageRequestBody, ReferenceInput } from './image-request.ts';

/** A request checked against its model's rules: what the vendor is asked, and the price tier. */
export interface CheckedImageRequest {
  n: number;
  /** Everything but `n` and the references' bytes. */
  job: Omit<ImageJob, 'n' | 'references'>;
  references: ReferenceInput[];
  /** The resolution tier priced (undefined: `perImage`). */
  tier: string | undefined;
}

const list = (values: readonly string[]): string => values.join(', ');

function refuse(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

/** `1536x1024` → numbers; undefined when not WIDTHxHEIGHT. */
export function parseSize(size: string): { width: number; height: number } | undefined {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/** `1536x1024` → `3:2` (smallest whole ratio). */
export function ratioOf(size: { width: number; height: number }): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = gcd(size.width, size.height) || 1;
  return `${size.width / divisor}:${size.height / divisor}`;
}

/**
 * `data` for a base64 data URL, `https` for a URL to fetch (plain `http:` too: the
 * SSRF-safe fetcher refuses it unless the operator allowlisted the host).
 */
function referenceSource(url: string): ReferenceSource | undefined {
  if (/^data:image\/[\w.+-]+;base64,/i.test(url)) return 'data';
  if (/^https?:\/\//i.test(url)) return 'https';
  return undefined;
}

/**
 * Every rule of the model's catalog entry, before any vendor call: `n`, `size`,
 * `aspect_ratio`, `resolution`, `quality`, the references' count and sources. Each
 * violation is a 400 naming the field and what the model allows.
 */
export function checkImageRequest(model: MediaModelEntry, body: ImageRequestBody): CheckedImageRequest {
  const rules: ImageRules = model.imageRules ?? defaultImageRules;
  const id = model.id;
  if (body.n > rules.maxImages) {
    throw refuse(
      'n',
      `${id} returns at most ${rules.maxImages} images per request (n from 1 to ${rules.maxImages}).`,
    );
  }
  const job: CheckedImageRequest['job'] = { prompt: body.prompt };
  let tier: string | undefined;

  let resolution = body.resolution;
  let size = body.size === 'auto' ? undefined : body.size;
  // Seedream's own spelling: `size: "2K"` is a resolution.
  if (size && !resolution && rules.resolutions?.includes(size)) {
    resolution = size;
    size = undefined;
  }
  if (size) {
    const parsed = parseSize(size);
    if (rules.sizes) {
      if (!rules.sizes.includes(size))
        throw refuse('size', `${id} does not support size ${size}; allowed sizes: ${list(rules.sizes)}.`);
      job.size = parsed;
      tier = rules.sizeTiers?.[size];
    } else if (rules.sizeGrid) {
      const grid = rules.sizeGrid;
      const fits =
        parsed !== undefined &&
        parsed.width % grid.multipleOf === 0 &&
        parsed.height % grid.multipleOf === 0 &&
        Math.min(parsed.width, parsed.height) >= grid.minSide &&
        parsed.width * parsed.height <= grid.maxPixels;
      if (!fits) {
        throw refuse(
          'size',
          `${id} does not support size ${size}; allowed: WIDTHxHEIGHT with both sides multiples of ${grid.multipleOf}, at least ${grid.minSide}, and at most ${grid.maxPixels} pixels in all.`,
        );
      }
      job.size = parsed;
    } else if (
      rules.aspectRatios &&
      parsed &&
      rules.aspectRatios.includes(ratioOf(parsed)) &&
      !body.aspectRatio
    ) {
      // A model sized by aspect ratio: a WxH of an allowed ratio means that ratio.
      job.aspectRatio = ratioOf(parsed);
    } else {
      throw refuse(
        'size',
        rules.aspectRatios
          ? `${id} takes aspect_ratio instead of size (a size must have one of its aspect ratios: ${list(rules.aspectRatios)}).`
          : `${id} does not take a size.`,
      );
    }
  }
  if (body.aspectRatio) {
    if (!rules.aspectRatios)
      throw refuse(
        'aspect_ratio',
        `${id} does not take aspect_ratio${rules.sizes ? `; use size (${list(rules.sizes)})` : ''}.`,
      );
    if (!rules.aspectRatios.includes(body.aspectRatio))
      throw refuse(
        'aspect_ratio',
        `${id} does not support aspect_ratio ${body.aspectRatio}; allowed: ${list(rules.aspectRatios)}.`,
      );
    job.aspectRatio = body.aspectRatio;
  }
  if (resolution) {
    if (!rules.resolutions)
      throw refuse(
        'resolution',
        `${id} does not take resolution${rules.sizes ? `; use size (${list(rules.sizes)})` : ''}.`,
      );
    if (!rules.resolutions.includes(resolution))
      throw refuse(
        'resolution',
        `${id} does not support resolution ${resolution}; allowed: ${list(rules.resolutions)}.`,
      );
    job.resolution = resolution;
    tier = resolution;
  } else if (rules.resolutions?.length === 1) {
    job.resolution = rules.resolutions[0];
    tier = rules.resolutions[0];
  }
  if (body.quality) {
    if (!rules.qualities) throw refuse('quality', `${id} does not take quality.`);
    if (!rules.qualities.includes(body.quality))
      throw refuse(
        'quality',
        `${id} does not support quality ${body.quality}; allowed: ${list(rules.qualities)}.`,
      );
    job.quality = body.quality;
  }

  const references = body.references;
  if (references.length > 0) {
    const field = references[0]!.param.replace(/\[\d+\]$/, '');
    const canEdit = model.modalities.includes('image-to-image') && rules.maxReferences > 0;
    if (!canEdit) throw refuse(field, `${id} does not take reference images (text-to-image only).`);
    if (references.length > rules.maxReferences)
      throw refuse(
        field,
        `${id} takes at most ${rules.maxReferences} reference images (got ${references.length}).`,
      );
    const allowed = rules.referenceSources;
    const described = allowed.map((source) =>
      source === 'https' ? 'public HTTPS URLs' : 'base64 data URLs',
    );
    for (const reference of references) {
      const source = referenceSource(reference.url);
      if (!source || !allowed.includes(source)) {
        const what = source === 'data' ? 'a base64 data URL' : `"${reference.url.slice(0, 100)}"`;
        throw refuse(
          reference.param,
          `${id} does not accept ${what} as a reference image; allowed: ${described.join(' or ')}.`,
        );
      }
    }
  }
  return { n: body.n, job, references, tier: tier ?? rules.defaultTier };
}
