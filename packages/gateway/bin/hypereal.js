#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 --heap-growing-percent=50 --expose-gc
// Runs the gateway's CLI from its built bundle (plain JavaScript, built by esbuild into dist/ on the
// first start and again whenever a file it was made from changes: see bundle.js and
// ../build/bundle.ts), or from the TypeScript sources (Node 24 type stripping) with HYPEREAL_BUNDLE=0
// or where esbuild is not installed. The bundle idles at ~30 MB less (README "Benchmarks").
// MALLOC_ARENA_MAX=2: glibc gives each thread that mallocs (V8's GC and compiler workers, libuv's
//   pool) an arena of its own, up to 8 per core, each keeping what it once held; two arenas held
//   ~7 MB less at idle with no CPU cost measured (`npm run bench`).
//   https://www.gnu.org/software/libc/manual/html_node/Memory-Allocation-Tunables.html
// Two V8 heap flags keep the gateway's memory near what it uses (`npm run bench:soak`):
// --max-semi-space-size=8 (MiB): left alone, V8 sizes the young generation for throughput and
//   it stays resident while the gateway idles (~40 MB more idle RSS). Under many calls in flight
//   each scavenge copies the same live calls, so fewer, larger ones cost less: 8 MiB against 4 gave
//   +9 % throughput at c=128 with a 50 ms upstream (less GC), peak RSS 169 → 177 MB; 16 MiB went
//   past 200 MB for no further gain; 2 MiB cost CPU on 150 KB bodies.
// --heap-growing-percent=50: after a full GC the old generation may grow by 50 % before the
//   next one, instead of V8's default factor of up to 4×, which let RSS climb from ~145 to
//   ~300 MB in 20,000 calls that keep under 50 MB live. No hard cap: a big body still fits.
//   It costs more full GCs: 20 % added ~50 % CPU on 150 KB bodies, 50 % about 0–30 %.
// --expose-gc: `serve` runs one memory-reducing full GC before its ready line (the start-up's
//   garbage and a young generation grown to its cap, which V8 gives back only after ~8 s idle:
//   ~10 MB less idle RSS; src/cli/collect-boot-garbage.ts). Nothing else calls `gc`.
// https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
// https://v8.dev/blog/trash-talk (generations, scavenges, heap growing)
// `npm start`, `npm run hypereal` and an installed `hypereal` run this file, so this line;
// `node bin/hypereal.js` does not read it: then pass the flags (and the variable) yourself.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleToRun } from './bundle.js';

async function run(retry) {
  const bundle = bundleToRun();
  if (!bundle) return import('../src/cli/main.ts');
  try {
    return await import(pathToFileURL(bundle).href);
  } catch (error) {
    // A build removed between the check and the import (another start rebuilt and pruned): once more.
    if (retry && error?.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(dirname(bundle))) return run(false);
    throw error;
  }
}

await run(true);
