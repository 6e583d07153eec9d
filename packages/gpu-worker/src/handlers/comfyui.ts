import { randomUUID } from 'node:crypto';
import {
  type HandlerContext,
  HandlerInputError,
  isRecord,
  type Json,
  sleep,
  type WorkerJob,
} from './types.ts';

const HISTORY_POLL_MS = 25;

/**
 * worker-comfyui's handler in JavaScript: input `{workflow, images?:[{name, image}]}`; uploads the
 * images to ComfyUI's `input/` folder (`POST /upload/image`), queues the graph (`POST /prompt`),
 * waits for `GET /history/{prompt_id}` to report it, and fetches every output image
 * (`GET /view`) as base64. Output `{images:[{filename, type:"base64", data}], errors?}`; a missing
 * workflow is `{error:"Missing 'workflow' parameter"}`, as worker-comfyui answers.
 * @see https://github.com/runpod-workers/worker-comfyui/blob/main/handler.py
 * @see https://github.com/comfyanonymous/ComfyUI/blob/master/server.py
 */
export async function comfyUiHandler(job: WorkerJob, context: HandlerContext): Promise<Json> {
  const base = context.comfyUiUrl?.replace(/\/+$/, '');
  if (!base) throw new HandlerInputError('COMFYUI_URL is not set: this worker cannot run ComfyUI workflows');
  const input = isRecord(job.input) ? job.input : {};
  let workflow: unknown = input['workflow'];
  if (workflow === undefined || workflow === null) return { error: "Missing 'workflow' parameter" };
  if (typeof workflow === 'string') {
    try {
      workflow = JSON.parse(workflow);
    } catch {
      return { error: 'Invalid JSON format in workflow' };
    }
  }
  if (!isRecord(workflow)) return { error: "'workflow' must be a JSON object" };
  const images = input['images'];
  if (images !== undefined && !validImages(images)) {
    return { error: "'images' must be a list of objects with 'name' and 'image' keys" };
  }
  const { signal } = context;
  for (const image of images ?? []) {
    const uploaded = await uploadImage(base, image, signal);
    if (uploaded) return { error: 'Failed to upload one or more input images', details: [uploaded] };
  }

  const clientId = randomUUID();
  const queued = await fetch(`${base}/prompt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: workflow, client_id: clientId }),
    signal,
  });
  const queuedBody: unknown = await queued.json().catch(() => undefined);
  if (!queued.ok || !isRecord(queuedBody) || typeof queuedBody['prompt_id'] !== 'string') {
    return { error: `Workflow validation failed: ${describeQueueError(queued.status, queuedBody)}` };
  }
  const promptId = queuedBody['prompt_id'];
  const interrupt = () => {
    void fetch(`${base}/interrupt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt_id: promptId }),
    }).catch(() => undefined);
  };
  signal.addEventListener('abort', interrupt, { once: true });
  try {
    const entry = await waitForHistory(base, promptId, signal, context);
    const errors: string[] = [];
    const status = isRecord(entry['status']) ? entry['status'] : {};
    if (status['status_str'] === 'error') errors.push(...executionErrors(status['messages']));
    const outputs = isRecord(entry['outputs']) ? entry['outputs'] : {};
    const results: Json[] = [];
    for (const [nodeId, nodeOutput] of Object.entries(outputs)) {
      if (!isRecord(nodeOutput) || !Array.isArray(nodeOutput['images'])) continue;
      for (const image of nodeOutput['images']) {
        if (!isRecord(image) || typeof image['filename'] !== 'string') continue;
        if (image['type'] === 'temp') continue; // worker-comfyui skips temp (preview) images
        const query = new URLSearchParams({
          filename: image['filename'],
          subfolder: typeof image['subfolder'] === 'string' ? image['subfolder'] : '',
          type: typeof image['type'] === 'string' ? image['type'] : 'output',
        });
        const view = await fetch(`${base}/view?${query}`, { signal });
        if (!view.ok) {
          errors.push(`Failed to fetch image data for ${image['filename']} from node ${nodeId}`);
          continue;
        }
        const bytes = Buffer.from(await view.arrayBuffer());
        results.push({ filename: image['filename'], type: 'base64', data: bytes.toString('base64') });
      }
    }
    if (results.length === 0) {
      if (errors.length > 0) return { error: 'Job processing failed', details: errors };
      return { images: [], status: 'success_no_images' };
    }
    return errors.length > 0 ? { images: results, errors } : { images: results };
  } finally {
    signal.removeEventListener('abort', interrupt);
  }
}

function validImages(value: unknown): value is { name: string; image: string }[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) => isRecord(item) && typeof item['name'] === 'string' && typeof item['image'] === 'string',
    )
  );
}

/** Uploads one base64 image (a data-URI prefix is allowed); returns an error message on failure. */
async function uploadImage(
  base: string,
  image: { name: string; image: string },
  signal: AbortSignal,
): Promise<string | undefined> {
  const data = Buffer.from(image.image.replace(/^data:[^,]*,/, ''), 'base64');
  const form = new FormData();
  form.append('image', new Blob([data], { type: 'image/png' }), image.name);
  form.append('overwrite', 'true');
  const response = await fetch(`${base}/upload/image`, { method: 'POST', body: form, signal });
  return response.ok ? undefined : `Error uploading ${image.name}: HTTP ${response.status}`;
}

function describeQueueError(status: number, body: unknown): string {
  if (!isRecord(body)) return `HTTP ${status}`;
  const parts: string[] = [];
  const error = body['error'];
  if (isRecord(error) && typeof error['message'] === 'string') parts.push(error['message']);
  else if (typeof error === 'string') parts.push(error);
  const nodeErrors = body['node_errors'];
  if (isRecord(nodeErrors)) {
    for (const [nodeId, nodeError] of Object.entries(nodeErrors)) {
      if (!isRecord(nodeError) || !Array.isArray(nodeError['errors'])) continue;
      for (const item of nodeError['errors']) {
        if (isRecord(item)) parts.push(`Node ${nodeId}: ${String(item['details'] ?? item['message'] ?? '')}`);
      }
    }
  }
  return parts.length > 0 ? parts.join('; ') : `HTTP ${status}`;
}

function executionErrors(messages: unknown): string[] {
  if (!Array.isArray(messages)) return ['ComfyUI reported an execution error'];
  const errors: string[] = [];
  for (const message of messages) {
    if (!Array.isArray(message) || !isRecord(message[1])) continue;
    const [event, data] = message as [unknown, Record<string, unknown>];
    if (event === 'execution_error') {
      errors.push(
        `Node Type: ${String(data['node_type'])}, Node ID: ${String(data['node_id'])}, Message: ${String(data['exception_message'])}`,
      );
    } else if (event === 'execution_interrupted') {
      errors.push('Execution interrupted');
    }
  }
  return errors.length > 0 ? errors : ['ComfyUI reported an execution error'];
}

async function waitForHistory(
  base: string,
  promptId: string,
  signal: AbortSignal,
  context: HandlerContext,
): Promise<Record<string, unknown>> {
  let polls = 0;
  for (;;) {
    const response = await fetch(`${base}/history/${encodeURIComponent(promptId)}`, { signal });
    const body: unknown = await response.json().catch(() => undefined);
    if (isRecord(body) && isRecord(body[promptId])) return body[promptId];
    polls += 1;
    if (polls % 20 === 0) context.progress({ status: 'running', prompt_id: promptId });
    await sleep(HISTORY_POLL_MS, signal);
  }
}
