import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';
import type { VideoJob } from '../providers/video/index.ts';
import type { Catalog } from '../routing/catalog.ts';
import { describeKind, type MediaModelEntry, mediaEndpoint } from '../routing/media-models.ts';
import { checkVideoRules } from './check-video-rules.ts';

/** The body of POST /v1/videos/generate, read leniently (unknown fields are ignored). */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const urlList = z.union([z.string().transform((one) => [one]), z.array(z.string())]);

const bodySchema = z.looseObject({
  model: z.string({ error: 'required (a video model id)' }).min(1, 'required (a video model id)'),
  prompt: z
    .string({ error: 'required (a text prompt)' })
    .refine((text) => text.trim().length > 0, 'must not be empty'),
  duration: z.number({ error: 'must be a number of seconds' }).positive('must be positive').nullish(),
  aspect_ratio: optionalText.nullable(),
  resolution: optionalText.nullable(),
  image_urls: urlList.nullish(),
  image: z.string({ error: 'must be an image URL' }).nullish(),
  last_image_url: z.string({ error: 'must be an image URL' }).nullish(),
  negative_prompt: optionalText.nullable(),
  seed: z.number({ error: 'must be an integer' }).int('must be an integer').nullish(),
  webhook_url: z.url({ error: 'must be an https URL' }).nullish(),
  webhookUrl: z.url({ error: 'must be an https URL' }).nullish(),
});

export interface VideoRequest {
  model: MediaModelEntry;
  job: VideoJob;
  webhookUrl: string | undefined;
}

/**
 * Parses the body and checks it against the model's `videoRules` (catalog data): the
 * duration, aspect ratio, resolution and which reference fields it takes. Each violation
 * is a 400 naming the field, before anything is held or sent to a vendor.
 */
export function parseVideoRequest(catalog: Catalog, json: unknown): VideoRequest {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.') || null;
    if (param === 'model') throw new GatewayError('missing_model', { param: 'model' });
    throw new GatewayError('invalid_request', {
      param,
      message: `Invalid field ${param ?? 'body'}: ${issue.message}`,
    });
  }
  const body = parsed.data;
  const model = videoModel(catalog, body.model);
  const checked = checkVideoRules(model, {
    prompt: body.prompt.trim(),
    duration: body.duration ?? undefined,
    aspect_ratio: body.aspect_ratio ?? undefined,
    resolution: body.resolution ?? undefined,
    image_urls: body.image_urls ?? undefined,
    image: body.image ?? undefined,
    last_image_url: body.last_image_url ?? undefined,
    negative_prompt: body.negative_prompt ?? undefined,
    seed: body.seed ?? undefined,
  });
  if ('error' in checked) throw checked.error;
  return { model, webhookUrl: body.webhook_url ?? body.webhookUrl ?? undefined, job: checked.job };
}

function videoModel(catalog: Catalog, id: string): MediaModelEntry {
  const media = catalog.media(id);
  if (media && media.kind !== 'video') {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `${media.id} is ${describeKind(media.kind)}; use ${mediaEndpoint(media)}.`,
    });
  }
  if (!media) {
    if (catalog.resolve(id)) {
      throw new GatewayError('wrong_endpoint', {
        param: 'model',
        message: `${id} is a chat model; use /v1/chat/completions.`,
      });
    }
    throw new GatewayError('unknown_model', {
      param: 'model',
      message: `Unknown model: ${id}. See available_models for the video models.`,
      details: { available_models: catalog.mediaIds('video') },
    });
  }
  return media;
}
