import { GatewayError } from '../errors/index.ts';
import type { VideoJob } from '../providers/video/index.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';
import { defaultVideoRules, type VideoReferenceField, type VideoRules } from '../routing/video-rules.ts';

/** The fields of a `POST /v1/videos/generate` body the rules judge, as the client sent them. */
export interface VideoRequestFields {
  prompt: string;
  duration?: number | undefined;
  aspect_ratio?: string | undefined;
  resolution?: string | undefined;
  image_urls?: readonly string[] | undefined;
  image?: string | undefined;
  last_image_url?: string | undefined;
  negative_prompt?: string | undefined;
  seed?: number | undefined;
}

const list = (values: readonly (string | number)[]): string => values.join(', ');

function refuse(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

/** `720p` and `720P` are one tier; the catalog spells tiers upper case. */
function normalTier(resolution: string): string {
  return resolution.toUpperCase();
}

/**
 * Every rule of the video model's catalog entry, before any vendor call: `duration`,
 * `aspect_ratio`, `resolution` (and a duration the resolution allows), which reference fields
 * the model takes and how many `image_urls`. Returns the first violation as a 400 naming the
 * field and the allowed values, or the vendor-neutral job.
 */
export function checkVideoRules(
  model: Pick<MediaModelEntry, 'id' | 'videoRules'>,
  request: VideoRequestFields,
): { job: VideoJob } | { error: GatewayError } {
  const rules: VideoRules = model.videoRules ?? defaultVideoRules;
  const id = model.id;
  const duration = request.duration ?? rules.defaultDuration;
  if (!Number.isInteger(duration) || !rules.durations.includes(duration)) {
    return {
      error: refuse(
        'duration',
        `${id} does not render ${duration} s; allowed durations (s): ${list(rules.durations)}.`,
      ),
    };
  }
  if (request.aspect_ratio !== undefined) {
    if (!rules.aspectRatios)
      return {
        error: refuse('aspect_ratio', `${id} does not take aspect_ratio (its frame is fixed by resolution).`),
      };
    if (!rules.aspectRatios.includes(request.aspect_ratio))
      return {
        error: refuse(
          'aspect_ratio',
          `${id} does not support aspect_ratio ${request.aspect_ratio}; allowed: ${list(rules.aspectRatios)}.`,
        ),
      };
  }
  const resolution = request.resolution === undefined ? undefined : normalTier(request.resolution);
  if (resolution !== undefined) {
    if (!rules.resolutions) return { error: refuse('resolution', `${id} does not take resolution.`) };
    if (!rules.resolutions.includes(resolution))
      return {
        error: refuse(
          'resolution',
          `${id} does not support resolution ${request.resolution}; allowed: ${list(rules.resolutions)}.`,
        ),
      };
    const longest = rules.maxDurationByResolution?.[resolution];
    if (longest !== undefined && duration > longest)
      return { error: refuse('duration', `${id} renders at most ${longest} s at ${resolution}.`) };
  }
  const takes = (field: VideoReferenceField) => rules.referenceFields.includes(field);
  const given: [VideoReferenceField, boolean][] = [
    ['image_urls', (request.image_urls?.length ?? 0) > 0],
    ['image', request.image !== undefined],
    ['last_image_url', request.last_image_url !== undefined],
  ];
  for (const [field, present] of given) {
    if (present && !takes(field)) {
      const accepted = rules.referenceFields.length > 0 ? `; it takes ${list(rules.referenceFields)}` : '';
      return { error: refuse(field, `${id} does not take ${field}${accepted}.`) };
    }
  }
  const urls: [string, string][] = [
    ...(request.image_urls ?? []).map((url, index): [string, string] => [`image_urls[${index}]`, url]),
    ...(request.image !== undefined ? [['image', request.image] as [string, string]] : []),
    ...(request.last_image_url !== undefined
      ? [['last_image_url', request.last_image_url] as [string, string]]
      : []),
  ];
  for (const [param, url] of urls) {
    if (!/^https?:\/\//i.test(url) && !/^data:image\/[\w.+-]+;base64,/i.test(url))
      return { error: refuse(param, `${param} must be an https URL or a data:image URL.`) };
  }
  if (request.image !== undefined && (request.image_urls?.length ?? 0) > 0)
    return { error: refuse('image', 'Send the first frame as image or as image_urls[0], not both.') };
  const imageUrls = request.image !== undefined ? [request.image] : [...(request.image_urls ?? [])];
  if (imageUrls.length > rules.maxImages)
    return {
      error: refuse(
        'image_urls',
        `${id} takes at most ${rules.maxImages} image${rules.maxImages === 1 ? '' : 's'} in image_urls.`,
      ),
    };
  if (request.last_image_url !== undefined && imageUrls.length === 0)
    return { error: refuse('last_image_url', 'last_image_url needs a first frame (image_urls or image).') };
  return {
    job: {
      prompt: request.prompt,
      durationSeconds: duration,
      aspectRatio: request.aspect_ratio,
      resolution,
      imageUrls,
      lastImageUrl: request.last_image_url,
      negativePrompt: request.negative_prompt,
      seed: request.seed,
    },
  };
}
