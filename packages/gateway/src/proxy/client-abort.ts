import type { FastifyReply } from 'fastify';

/** Thrown where a call stops because its client left, so the catch can tell it from a failure. */
export class ClientGone extends Error {}

const watched = new WeakMap<FastifyReply['raw'], AbortController>();

/**
 * An abort signal that fires when the client's connection closes before the answer was
 * written — the upstream or vendor call is cancelled with it — and the listener's removal.
 * The first call (the app's `onRequest` hook, at the request's first byte) starts watching;
 * later ones share that signal, so a client that hung up during admission is already seen
 * as gone when the call begins (a `close` event fires once and is not replayed).
 */
export function abortOnClientClose(reply: FastifyReply): { signal: AbortSignal; release(): void } {
  const raw = reply.raw;
  let abort = watched.get(raw);
  if (!abort) {
    const controller = new AbortController();
    abort = controller;
    watched.set(raw, controller);
    raw.once('close', () => {
      if (!raw.writableFinished) controller.abort();
    });
  }
  return { signal: abort.signal, release: () => undefined };
}
