import * as z from 'zod';
import type { VendorTaskStatus, VideoAdapter, VideoJob } from './types.ts';
import { lowerTier, parseVendor, vendorUrl } from './vendor-json.ts';

/**
 * Vidu (`Authorization: Token <key>`): `POST /text2video`, `/img2video` (one image) or
 * `/start-end2video` (first and last frame) `{model, prompt, duration, aspect_ratio, resolution,
 * seed, images}` → `{task_id, state}`; `GET /tasks/{id}/creations` → `state` `created` →
 * `queueing` → `processing` → `success` (`creations[{url, cover_url}]`, valid 24 h) | `failed`
 * (`err_code`); `POST /tasks/{id}/cancel` before processing.
 * @see https://platform.vidu.com/docs/text-to-video
 * @see https://platform.vidu.com/docs/image-to-video
 * @see https://platform.vidu.com/docs/get-generation
 */

/** `err_code`s that mean the content was refused by Vidu's audit. */
const moderationCodes = /^Audit|Sensitive|Illegal/i;
const runningStates: Readonly<Record<string, 'queued' | 'running'>> = {
  created: 'queued',
  queueing: 'queued',
  processing: 'running',
};

export function viduEndpoint(job: VideoJob): 'text2video' | 'img2video' | 'start-end2video' {
  if (job.lastImageUrl && job.imageUrls.length > 0) return 'start-end2video';
  return job.imageUrls.length > 0 ? 'img2video' : 'text2video';
}

export function viduBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModel, prompt: job.prompt };
  if (job.durationSeconds !== undefined) body['duration'] = job.durationSeconds;
  if (job.aspectRatio) body['aspect_ratio'] = job.aspectRatio;
  const resolution = lowerTier(job.resolution);
  if (resolution) body['resolution'] = resolution;
  if (job.seed !== undefined) body['seed'] = job.seed;
  const endpoint = viduEndpoint(job);
  if (endpoint === 'img2video') body['images'] = [job.imageUrls[0]];
  if (endpoint === 'start-end2video') body['images'] = [job.imageUrls[0], job.lastImageUrl];
  return body;
}

const created = z.looseObject({ task_id: z.string().min(1) });
const creations = z.looseObject({
  state: z.string(),
  err_code: z.string().optional(),
  creations: z.array(z.looseObject({ url: z.string() })).optional(),
});

export function viduStatus(answer: z.infer<typeof creations>, seconds: number | undefined): VendorTaskStatus {
  const running = runningStates[answer.state];
  if (running) return { state: running };
  const urls = (answer.creations ?? []).map((creation) => ({ url: creation.url, seconds }));
  if (answer.state === 'success' && urls.length > 0) return { state: 'succeeded', outputs: urls };
  const code = answer.err_code || answer.state;
  return {
    state: 'failed',
    reason: moderationCodes.test(code) ? 'moderated' : 'vendor_error',
    message: `The task ended ${answer.state} (${code}).`,
  };
}

export const vidu: VideoAdapter = {
  id: 'vidu',
  authHeaders: (credentials) => ({ authorization: `Token ${credentials.apiKey ?? ''}` }),
  pollIntervalMs: 5_000,
  async submit(call) {
    const answer = await call.http.postJson(
      `/${viduEndpoint(call.job)}`,
      viduBody(call.job, call.route.model),
    );
    return { taskId: parseVendor(created, answer, call, 'no task_id').task_id };
  },
  async poll(taskId, call) {
    const answer = await call.http.getJson(vendorUrl(call, `/tasks/${encodeURIComponent(taskId)}/creations`));
    return viduStatus(parseVendor(creations, answer, call, 'no state'), call.job.durationSeconds);
  },
  async cancel(taskId, call) {
    await call.http.postJson(`/tasks/${encodeURIComponent(taskId)}/cancel`, {});
  },
};
