import type { ServerResponse } from 'node:http';
import { type Fault, parseFault } from '../faults.ts';
import type { RequestBody } from '../http/read-body.ts';
import { sendJson } from '../http/send.ts';
import type { RecordedRequest } from '../recorded-request.ts';

/** What the `/__sim/*` endpoints can reach: the same operations as the in-process handle. */
export interface ControlTarget {
  addFault(fault: Fault): void;
  clearFaults(): void;
  expireImageUrls(): number;
  reset(): void;
  readonly requests: readonly RecordedRequest[];
}

export const CONTROL_PREFIX = '/__sim/';

/**
 * Out-of-process control for benchmarks and the demo, which run the simulator as a separate process:
 * `POST /__sim/faults` (a fault or an array of faults), `DELETE /__sim/faults`,
 * `GET /__sim/requests`, `POST /__sim/reset`, `POST /__sim/image-urls/expire` (every image result
 * URL handed out so far now answers 403 expired).
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
    case 'POST /__sim/reset':
      target.reset();
      sendJson(response, 200, { ok: true });
      break;
    default:
      sendJson(response, 404, { error: `unknown control endpoint: ${route}` });
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
