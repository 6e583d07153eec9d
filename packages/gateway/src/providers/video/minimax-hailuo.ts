import * as z from 'zod';
import { upstreamFailure } from '../../upstream/upstream-failure.ts';
import type { VendorTaskStatus, VideoAdapter, VideoCall, VideoJob } from './types.ts';
import { parseVendor, vendorUrl } from './vendor-json.ts';

/**
 * MiniMax Hailuo video, three calls: `POST /video_generation` `{model, prompt, duration,
 * resolution, first_frame_image, last_frame_image}` → `{task_id}`; `GET
 * /query/video_generation?task_id=` → `status` `Preparing` / `Queueing` / `Processing` →
 * `Success` (`file_id`) | `Fail`; `GET /files/retrieve?file_id=` → `file.download_url` (valid
 * 9 h). MiniMax answers errors with HTTP 200 and a non-zero `base_resp.status_code`.
 * @see https://platform.minimax.io/docs/api-reference/video-generation-t2v
 * @see https://platform.minimax.io/docs/api-reference/video-generation-query
 * @see https://platform.minimax.io/docs/api-reference/video-generation-download
 * @see https://platform.minimax.io/docs/api-reference/errorcode
 */

/** `base_resp.status_code` → the HTTP status it amounts to (anything else non-zero: 502). */
const statusCodeHttp: Readonly<Record<number, number>> = {
  1002: 429, // rate limit
  1004: 401, // authentication failed
  1008: 402, // insufficient balance (the operator's account)
  1039: 429, // token limit
  2013: 400, // invalid parameters
  2049: 401, // invalid API key
};
/** Codes that mean the content was refused: 1026 sensitive input, 1027 sensitive output. */
const moderationCodes: ReadonlySet<number> = new Set([1026, 1027]);

const queuedStatuses: ReadonlySet<string> = new Set(['Preparing', 'Queueing']);

export function hailuoBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModel, prompt: job.prompt, prompt_optimizer: true };
  if (job.durationSeconds !== undefined) body['duration'] = job.durationSeconds;
  if (job.resolution) body['resolution'] = job.resolution;
  const [first] = job.imageUrls;
  if (first) body['first_frame_image'] = first;
  if (job.lastImageUrl) body['last_frame_image'] = job.lastImageUrl;
  return body;
}

const baseResp = z.looseObject({
  base_resp: z.looseObject({ status_code: z.number(), status_msg: z.string().optional() }).optional(),
});
const created = z.looseObject({ task_id: z.string().min(1) });
const queried = z.looseObject({
  status: z.string().optional(),
  file_id: z.union([z.string(), z.number()]).optional(),
});
const retrieved = z.looseObject({ file: z.looseObject({ download_url: z.string().min(1) }) });

type BaseResp = { code: number; message: string };

/** The `base_resp` of an answer (0 when absent). */
function baseRespOf(answer: unknown, call: VideoCall): BaseResp {
  const resp = parseVendor(baseResp, answer, call, 'no base_resp').base_resp;
  return { code: resp?.status_code ?? 0, message: resp?.status_msg ?? '' };
}

/** A non-zero `base_resp` on a call that is not a task poll: the error it amounts to. */
function throwOnError(answer: unknown, call: VideoCall): void {
  const { code } = baseRespOf(answer, call);
  if (code === 0) return;
  const status = moderationCodes.has(code) ? 400 : (statusCodeHttp[code] ?? 502);
  throw upstreamFailure(call.route.provider.name, status, JSON.stringify(answer), {});
}

export const minimaxHailuo: VideoAdapter = {
  id: 'minimax-hailuo',
  authHeaders: (credentials) => ({ authorization: `Bearer ${credentials.apiKey ?? ''}` }),
  pollIntervalMs: 10_000,
  async submit(call) {
    const answer = await call.http.postJson('/video_generation', hailuoBody(call.job, call.route.model));
    throwOnError(answer, call);
    return { taskId: parseVendor(created, answer, call, 'no task_id').task_id };
  },
  async poll(taskId, call): Promise<VendorTaskStatus> {
    const answer = await call.http.getJson(
      vendorUrl(call, `/query/video_generation?task_id=${encodeURIComponent(taskId)}`),
    );
    const resp = baseRespOf(answer, call);
    if (moderationCodes.has(resp.code))
      return { state: 'failed', reason: 'moderated', message: resp.message };
    const task = parseVendor(queried, answer, call, 'no status');
    if (task.status === 'Fail' || (resp.code !== 0 && task.status !== undefined)) {
      return { state: 'failed', reason: 'vendor_error', message: resp.message || 'The task failed.' };
    }
    throwOnError(answer, call);
    if (task.status && queuedStatuses.has(task.status)) return { state: 'queued' };
    if (task.status !== 'Success') return { state: 'running' };
    const fileId = String(task.file_id ?? '');
    const file = await call.http.getJson(
      vendorUrl(call, `/files/retrieve?file_id=${encodeURIComponent(fileId)}`),
    );
    throwOnError(file, call);
    const url = parseVendor(retrieved, file, call, 'no download_url').file.download_url;
    return { state: 'succeeded', outputs: [{ url, seconds: call.job.durationSeconds }] };
  },
};
