import * as z from 'zod';
import type { VendorTaskStatus, VideoAdapter, VideoCall, VideoJob } from './types.ts';
import { lowerTier, parseVendor, vendorUrl } from './vendor-json.ts';

/**
 * ByteDance Seedance on BytePlus ModelArk / Volcengine Ark, the content-generation task API:
 * `POST /contents/generations/tasks` `{model, content:[{type:"text"}, {type:"image_url",
 * role}], ratio, duration, resolution, seed, watermark}` → `{id}`; `GET …/tasks/{id}` →
 * `queued` → `running` → `succeeded` (`content.video_url`, a 24 h TOS link) | `failed`
 * (`error.code`) | `cancelled`; `DELETE …/tasks/{id}` cancels a queued task.
 * @see https://docs.byteplus.com/en/docs/ModelArk/1520757
 * @see https://www.volcengine.com/docs/82379/1520757
 */

/** Ark error codes that mean the content was refused (input or output moderation). */
const moderationCodes = /Sensitive|RiskDetection|Moderation/i;

const taskStates: Readonly<Record<string, 'queued' | 'running'>> = { queued: 'queued', running: 'running' };

export function seedanceBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const content: Record<string, unknown>[] = [{ type: 'text', text: job.prompt }];
  job.imageUrls.forEach((url, index) => {
    const role = index === 0 ? 'first_frame' : 'reference_image';
    content.push({ type: 'image_url', image_url: { url }, role });
  });
  if (job.lastImageUrl)
    content.push({ type: 'image_url', image_url: { url: job.lastImageUrl }, role: 'last_frame' });
  const body: Record<string, unknown> = { model: upstreamModel, content, watermark: false };
  if (job.aspectRatio) body['ratio'] = job.aspectRatio;
  if (job.durationSeconds !== undefined) body['duration'] = job.durationSeconds;
  const resolution = lowerTier(job.resolution);
  if (resolution) body['resolution'] = resolution;
  if (job.seed !== undefined) body['seed'] = job.seed;
  return body;
}

const created = z.looseObject({ id: z.string().min(1) });
const task = z.looseObject({
  status: z.string(),
  content: z.looseObject({ video_url: z.string().optional() }).nullish(),
  duration: z.number().optional(),
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).nullish(),
});

export function seedanceStatus(answer: z.infer<typeof task>): VendorTaskStatus {
  const running = taskStates[answer.status];
  if (running) return { state: running };
  if (answer.status === 'succeeded' && answer.content?.video_url) {
    return { state: 'succeeded', outputs: [{ url: answer.content.video_url, seconds: answer.duration }] };
  }
  const code = answer.error?.code ?? answer.status;
  return {
    state: 'failed',
    reason: moderationCodes.test(code) ? 'moderated' : 'vendor_error',
    message: answer.error?.message ?? `The task ended ${answer.status}.`,
  };
}

const tasksPath = '/contents/generations/tasks';

export const seedance: VideoAdapter = {
  id: 'seedance',
  authHeaders: (credentials) => ({ authorization: `Bearer ${credentials.apiKey ?? ''}` }),
  pollIntervalMs: 5_000,
  async submit(call: VideoCall) {
    const answer = await call.http.postJson(tasksPath, seedanceBody(call.job, call.route.model));
    return { taskId: parseVendor(created, answer, call, 'no task id').id };
  },
  async poll(taskId, call) {
    const answer = await call.http.getJson(vendorUrl(call, `${tasksPath}/${encodeURIComponent(taskId)}`));
    return seedanceStatus(parseVendor(task, answer, call, 'no task status'));
  },
  async cancel(taskId, call) {
    await call.http.deleteJson?.(`${tasksPath}/${encodeURIComponent(taskId)}`);
  },
};
