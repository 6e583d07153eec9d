import type { FastifyReply } from 'fastify';

/** Thrown where a call stops because its client left, so the catch can tell it from a failure. */
export class ClientGone extends Error {}

/**
 * An abort signal that fires when the client's connection closes before the answer was
 * written — the upstream or vendor call is cancelled with it — and the listener's removal.
 */
export function abortOnClientClose(reply: FastifyReply): { signal: AbortSignal; release(): void } {
  const abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.on('close', onClose);
  return { signal: abort.signal, release: () => reply.raw.off('close', onClose) };
}
