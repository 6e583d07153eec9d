import * as z from 'zod';
import type { VendorTaskStatus, VideoAdapter, VideoJob } from './types.ts';
import { lowerTier, parseVendor, vendorUrl } from './vendor-json.ts';

/**
 * xAI Grok Imagine video: `POST /videos/generations` `{model, prompt, duration, aspect_ratio,
 * resolution, image:{url}}` → `{request_id}`; `GET /videos/{request_id}` → `pending` (HTTP 202,
 * `progress`) → `done` (`video:{url, duration, respect_moderation}`) | `failed` (`error`). A
 * moderated video is `done` with `respect_moderation: false` and no usable URL. No cancel.
 * @see https://docs.x.ai/docs/guides/video-generations
 * @see https://docs.x.ai/docs/api-reference#video-generations
 */

export function grokVideoBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModel, prompt: job.prompt };
  if (job.durationSeconds !== undefined) body['duration'] = job.durationSeconds;
  if (job.aspectRatio) body['aspect_ratio'] = job.aspectRatio;
  const resolution = lowerTier(job.resolution);
  if (resolution) body['resolution'] = resolution;
  const [first] = job.imageUrls;
  if (first) body['image'] = { url: first };
  return body;
}

const created = z.looseObject({ request_id: z.string().min(1) });
const polled = z.looseObject({
  status: z.string(),
  progress: z.number().optional(),
  video: z
    .looseObject({
      url: z.string().optional(),
      duration: z.number().optional(),
      respect_moderation: z.boolean().optional(),
    })
    .optional(),
  error: z
    .union([z.string(), z.looseObject({ code: z.string().optional(), message: z.string().optional() })])
    .optional(),
});

export function grokVideoStatus(answer: z.infer<typeof polled>): VendorTaskStatus {
  if (answer.status === 'pending') return { state: 'running', progress: answer.progress };
  const video = answer.video;
  if (answer.status === 'done' && video?.respect_moderation === false) {
    return { state: 'failed', reason: 'moderated', message: 'The video was blocked by moderation.' };
  }
  if (answer.status === 'done' && video?.url) {
    return { state: 'succeeded', outputs: [{ url: video.url, seconds: video.duration }] };
  }
  const error = answer.error;
  const message =
    typeof error === 'string' ? error : (error?.message ?? `The request ended ${answer.status}.`);
  return { state: 'failed', reason: 'vendor_error', message };
}

export const grokVideo: VideoAdapter = {
  id: 'grok-video',
  authHeaders: (credentials) => ({ authorization: `Bearer ${credentials.apiKey ?? ''}` }),
  pollIntervalMs: 5_000,
  async submit(call) {
    const answer = await call.http.postJson('/videos/generations', grokVideoBody(call.job, call.route.model));
    return { taskId: parseVendor(created, answer, call, 'no request_id').request_id };
  },
  async poll(taskId, call) {
    const answer = await call.http.getJson(vendorUrl(call, `/videos/${encodeURIComponent(taskId)}`));
    return grokVideoStatus(parseVendor(polled, answer, call, 'no status'));
  },
};
