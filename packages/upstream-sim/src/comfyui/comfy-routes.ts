import type { ServerResponse } from 'node:http';
import { type FormPart, parseMultipart } from '../http/multipart.ts';
import type { RequestBody } from '../http/read-body.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import { ComfyState } from './comfy-state.ts';
import { nodeClasses, objectInfo } from './node-classes.ts';
import { validatePrompt } from './validate.ts';

export interface ComfyRequest {
  method: string;
  /** The path below the ComfyUI base URL, e.g. `/prompt`. */
  path: string;
  query: URLSearchParams;
  body: RequestBody;
  contentType: string | undefined;
  response: ServerResponse;
}

const HISTORY = /^\/history\/([^/]+)$/;
const OBJECT_INFO = /^\/object_info(?:\/([^/]+))?$/;

/**
 * ComfyUI's HTTP API as server.py serves it: `POST /prompt`, `GET /prompt`, `GET /history[/{id}]`,
 * `GET /view`, `POST /upload/image`, `GET|POST /queue`, `POST /interrupt`, `GET /object_info[/{class}]`,
 * `GET /system_stats`. Answers false when the route is not one of these.
 * @see https://github.com/comfyanonymous/ComfyUI/blob/master/server.py
 */
export function handleComfyRequest(state: ComfyState, request: ComfyRequest): boolean {
  const { method, path, response } = request;
  if (method === 'POST' && path === '/prompt') return queuePrompt(state, request);
  if (method === 'GET' && path === '/prompt') {
    sendJson(response, 200, {
      exec_info: { queue_remaining: state.pending.length + (state.running ? 1 : 0) },
    });
    return true;
  }
  if (method === 'GET' && path === '/history') {
    const max = Number(request.query.get('max_items'));
    const entries = [...state.history.entries()];
    sendJson(
      response,
      200,
      Object.fromEntries(Number.isInteger(max) && max > 0 ? entries.slice(-max) : entries),
    );
    return true;
  }
  const history = HISTORY.exec(path);
  if (method === 'GET' && history) {
    const id = decodeURIComponent(history[1]!);
    const entry = state.history.get(id);
    sendJson(response, 200, entry ? { [id]: entry } : {});
    return true;
  }
  if (method === 'GET' && path === '/view') return view(state, request);
  if (method === 'POST' && (path === '/upload/image' || path === '/upload/mask'))
    return upload(state, request);
  if (method === 'GET' && path === '/queue') {
    sendJson(response, 200, {
      queue_running: state.running ? [state.queueEntry(state.running)] : [],
      queue_pending: state.pending.map((prompt) => state.queueEntry(prompt)),
    });
    return true;
  }
  if (method === 'POST' && path === '/queue') {
    const body = isRecord(request.body.value) ? request.body.value : {};
    if (body['clear'] === true) state.deletePending('all');
    if (Array.isArray(body['delete'])) state.deletePending(body['delete'].map(String));
    response.writeHead(200).end();
    return true;
  }
  if (method === 'POST' && path === '/interrupt') {
    const body = isRecord(request.body.value) ? request.body.value : {};
    state.interrupt(typeof body['prompt_id'] === 'string' ? body['prompt_id'] : undefined);
    response.writeHead(200).end();
    return true;
  }
  const info = OBJECT_INFO.exec(path);
  if (method === 'GET' && info) {
    const files = [...state.inputFiles()];
    const name = info[1] ? decodeURIComponent(info[1]) : undefined;
    const classes = name
      ? [nodeClasses[name]].filter((entry) => entry !== undefined)
      : Object.values(nodeClasses);
    sendJson(
      response,
      200,
      Object.fromEntries(classes.map((entry) => [entry.name, objectInfo(entry, files)])),
    );
    return true;
  }
  if (method === 'GET' && path === '/system_stats') {
    sendJson(response, 200, {
      system: {
        os: 'posix',
        python_version: '3.12',
        embedded_python: false,
        comfyui_version: 'upstream-sim',
      },
      devices: [
        { name: 'cuda:0 simulated', type: 'cuda', index: 0, vram_total: 25769803776, vram_free: 25769803776 },
      ],
    });
    return true;
  }
  return false;
}

function queuePrompt(state: ComfyState, { body, response }: ComfyRequest): boolean {
  const value = isRecord(body.value) ? body.value : undefined;
  if (!value) {
    sendJson(response, 400, {
      error: {
        type: 'invalid_prompt',
        message: 'Invalid prompt: the body must be a JSON object',
        details: '',
        extra_info: {},
      },
      node_errors: {},
    });
    return true;
  }
  const validation = validatePrompt(value['prompt'], state.inputFiles());
  if (!validation.ok) {
    sendJson(response, 400, validation.body);
    return true;
  }
  const extraData = isRecord(value['extra_data']) ? { ...value['extra_data'] } : {};
  if (typeof value['client_id'] === 'string') extraData['client_id'] = value['client_id'];
  const promptId = typeof value['prompt_id'] === 'string' ? value['prompt_id'] : undefined;
  const queued = state.enqueue(validation.graph, validation.outputs, extraData, promptId);
  sendJson(response, 200, { prompt_id: queued.promptId, number: queued.number, node_errors: {} });
  return true;
}

function view(state: ComfyState, { query, response }: ComfyRequest): boolean {
  const filename = query.get('filename') ?? '';
  const type = query.get('type') || 'output';
  const subfolder = query.get('subfolder') ?? '';
  if (
    !filename ||
    filename.includes('..') ||
    subfolder.includes('..') ||
    !['output', 'input', 'temp'].includes(type)
  ) {
    response.writeHead(400).end();
    return true;
  }
  const bytes = state.files.get(`${type}/${subfolder}/${filename}`);
  if (!bytes) {
    response.writeHead(404).end();
    return true;
  }
  response.writeHead(200, {
    'content-type': filename.endsWith('.png') ? 'image/png' : 'application/octet-stream',
    'content-length': String(bytes.length),
    'content-disposition': `filename="${filename}"`,
  });
  response.end(bytes);
  return true;
}

function field(parts: FormPart[], name: string): string | undefined {
  const part = parts.find((candidate) => candidate.name === name && candidate.filename === undefined);
  return part?.data.toString('utf8');
}

function upload(state: ComfyState, { body, contentType, response }: ComfyRequest): boolean {
  const parts = parseMultipart(body.bytes, contentType);
  const image = parts?.find((part) => part.name === 'image' && part.filename !== undefined);
  if (!parts || !image?.filename) {
    response.writeHead(400).end();
    return true;
  }
  const type = field(parts, 'type') || 'input';
  const subfolder = field(parts, 'subfolder') ?? '';
  const overwrite = ['true', '1'].includes(field(parts, 'overwrite') ?? '');
  if (
    !['input', 'temp', 'output'].includes(type) ||
    subfolder.includes('..') ||
    image.filename.includes('..')
  ) {
    response.writeHead(400).end();
    return true;
  }
  let name = image.filename.split('/').pop() ?? image.filename;
  if (!overwrite) {
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const extension = dot > 0 ? name.slice(dot) : '';
    for (
      let index = 1;
      state.files.has(ComfyState.key({ type: type as 'input', subfolder, filename: name }));
      index += 1
    ) {
      name = `${stem} (${index})${extension}`;
    }
  }
  state.files.set(
    ComfyState.key({ type: type as 'input', subfolder, filename: name }),
    Buffer.from(image.data),
  );
  sendJson(response, 200, { name, subfolder, type });
  return true;
}
