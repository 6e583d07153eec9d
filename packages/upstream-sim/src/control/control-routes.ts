import type { ServerResponse } from 'node:http';
import { type Fault, parseFault } from '../faults.ts';
import type { RequestBody } from '../http/read-body.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import type { RecordedRequest } from '../recorded-request.ts';
import type { VideoOutcome, VideoTiming } from '../video/tasks.ts';

/** What the `/__sim/*` endpoints can reach: the same operations as the in-process handle. */
export interface ControlTarget {
  addFault(fault: Fault): void;
  clearFaults(): void;
  expireImageUrls(): number;
  expireMediaUrls(): number;
  readonly videos: {
    setTiming(timing: Partial<VideoTiming>): void;
    forceNext(outcome: VideoOutcome, times?: number): void;
    force(taskId: string, outcome: VideoOutcome): boolean;
  };
  reset(): void;
  readonly requests: readonly RecordedRequest[];
}

export const CONTROL_PREFIX = '/__sim/';

/**
 * Out-of-process control for benchmarks and the demo, which run the simulator as a separate process:
 * `POST /__sim/faults` (a fault or an array of faults), `DELETE /__sim/faults`,
 * `GET /__sim/requests`, `POST /__sim/reset`, `POST /__sim/image-urls/expire` (every image result
 * URL handed out so far now answers 403 expired), `POST /__sim/media-urls/expire` (the same for
 * image, video and audio links and Veo files), and for the async video tasks of every vendor
 * `POST /__sim/video/timing` `{queuedMs?, runningMs?}`, `POST /__sim/video/next` `{outcome,
 * times?}` and `POST /__sim/video/tasks/{id}` `{outcome}`, where `outcome` is `succeed`, `fail`,
 * `moderated` or `hang`.
 */
export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  body: RequestBody,
  response: ServerResponse,
): void {
  const route = `${method} ${path}`;
  switch (route) {
    case 'POST /__sim/faults':
      addFaults(target, body, response);
      break;
    case 'DELETE /__sim/faults':
      target.clearFaults();
      sendJson(response, 200, { ok: true });
      break;
    case 'GET /__sim/requests':
      sendJson(response, 200, target.requests);
      break;
    case 'POST /__sim/image-urls/expire':
      sendJson(response, 200, { ok: true, expired: target.expireImageUrls() });
      break;
    case 'POST /__sim/media-urls/expire':
      sendJson(response, 200, { ok: true, expired: target.expireMediaUrls() });
      break;
    case 'POST /__sim/video/timing':
      videoTiming(target, body, response);
      break;
    case 'POST /__sim/video/next':
      videoOutcome(body, response, (outcome, times) => {
        target.videos.forceNext(outcome, times);
        return true;
      });
      break;
    case 'POST /__sim/reset':
      target.reset();
      sendJson(response, 200, { ok: true });
      break;
    default: {
      const task = /^POST \/__sim\/video\/tasks\/([^/]+)$/.exec(route)?.[1];
      if (task !== undefined) {
        videoOutcome(body, response, (outcome) => target.videos.force(decodeURIComponent(task), outcome));
        break;
      }
      sendJson(response, 404, { error: `unknown control endpoint: ${route}` });
    }
  }
}

function addFaults(target: ControlTarget, body: RequestBody, response: ServerResponse): void {
  if (!body.isJson) {
    sendJson(response, 400, { error: 'body must be a JSON fault or an array of faults' });
    return;
  }
  try {
    const faults = (Array.isArray(body.value) ? body.value : [body.value]).map(parseFault);
    for (const fault of faults) target.addFault(fault);
    sendJson(response, 201, { ok: true, added: faults.length });
  } catch (error) {
    sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

const OUTCOMES: readonly VideoOutcome[] = ['succeed', 'fail', 'moderated', 'hang'];

function videoTiming(target: ControlTarget, body: RequestBody, response: ServerResponse): void {
  const value = body.isJson && isRecord(body.value) ? body.value : undefined;
  const timing: Partial<VideoTiming> = {};
  for (const field of ['queuedMs', 'runningMs'] as const) {
    const entry = value?.[field];
    if (entry === undefined) continue;
    if (typeof entry !== 'number' || !Number.isFinite(entry) || entry < 0) {
      sendJson(response, 400, { error: `${field} must be a non-negative number` });
      return;
    }
    timing[field] = entry;
  }
  if (!value) {
    sendJson(response, 400, { error: 'body must be {queuedMs?, runningMs?}' });
    return;
  }
  target.videos.setTiming(timing);
  sendJson(response, 200, { ok: true });
}

function videoOutcome(
  body: RequestBody,
  response: ServerResponse,
  apply: (outcome: VideoOutcome, times: number) => boolean,
): void {
  const value = body.isJson && isRecord(body.value) ? body.value : {};
  const outcome = OUTCOMES.find((known) => known === value['outcome']);
  const times = value['times'] ?? 1;
  if (!outcome || typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
    sendJson(response, 400, {
      error: `outcome must be one of ${OUTCOMES.join(', ')}; times a positive integer`,
    });
    return;
  }
  if (!apply(outcome, times)) {
    sendJson(response, 404, { error: 'unknown video task' });
    return;
  }
  sendJson(response, 200, { ok: true });
}
