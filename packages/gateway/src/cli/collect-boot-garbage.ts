/**
 * One memory-reducing full garbage collection once `serve` has started, where Node runs with
 * `--expose-gc` (the `hypereal` bin's `#!` line).
 *
 * Start-up leaves garbage the gateway never needs again: the parse of the bundle, the config
 * and catalog as read, the zod schemas' build steps, Fastify's route compilation. V8 grows the
 * young generation to its cap (`--max-semi-space-size`) while that runs and keeps both
 * semi-spaces committed; its memory reducer gives them back only after the heap has idled for
 * a while (about 8 s, then a few GCs). A "last-resort" collection does that work at once:
 * old-generation pages are compacted and released, the young generation shrinks to its
 * minimum, pooled pages go back to the system. It runs once, before the ready line, and costs
 * some tens of milliseconds; under load the young generation grows again as V8 sees fit.
 *
 * Without `--expose-gc` (`node bin/hypereal.js`, the test harness) it does nothing and says so.
 * https://nodejs.org/api/cli.html#--expose-gc,
 * https://chromium.googlesource.com/v8/v8/+/refs/heads/main/src/extensions/gc-extension.h
 * (the `type`, `execution` and `flavor` options), https://v8.dev/blog/trash-talk (the young
 * generation's semi-spaces).
 */
export function collectBootGarbage(): boolean {
  const collect = globalThis.gc;
  if (typeof collect !== 'function') return false;
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}
