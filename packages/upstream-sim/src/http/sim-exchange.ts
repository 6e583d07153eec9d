import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from '../faults.ts';
import { randomHex } from '../ids.ts';
import type { RecordedRequest } from '../recorded-request.ts';
import type { Exchange } from './exchange.ts';
import type { RequestBody } from './read-body.ts';

/**
 * The server's `Exchange`: a class, so every request's object shares one shape (an object literal
 * with its own getter and closures got a fresh hidden class per request, allocated where the
 * garbage collector scans it slowly), and the abort signal is made only when a route asks for it.
 */
export class SimExchange implements Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly path: string;
  readonly body: RequestBody;
  readonly record: RecordedRequest;
  fault: Fault | undefined = undefined;
  readonly requestId = randomHex('req_', 32);
  readonly startedAt: number;
  #controller: AbortController | undefined = undefined;
  #cutShort = false;
  #destroyedBySim = false;

  constructor(init: {
    request: IncomingMessage;
    response: ServerResponse;
    path: string;
    body: RequestBody;
    record: RecordedRequest;
    startedAt: number;
  }) {
    this.request = init.request;
    this.response = init.response;
    this.path = init.path;
    this.body = init.body;
    this.record = init.record;
    this.startedAt = init.startedAt;
    init.response.on('close', () => this.#onClose());
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cutShort) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  destroyConnection(): void {
    this.#destroyedBySim = true;
    this.response.destroy();
  }

  #onClose(): void {
    const finished = this.response.writableFinished;
    this.record.completed = finished;
    if (finished) return;
    if (!this.#destroyedBySim) this.record.aborted = true;
    this.#cutShort = true;
    // Only a response cut short has work to stop (an abort builds a DOMException with its stack).
    this.#controller?.abort();
  }
}
