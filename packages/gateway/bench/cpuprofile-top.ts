/**
 * `node packages/gateway/bench/cpuprofile-top.ts FILE.cpuprofile [N]`: the N (15) functions with
 * the most self time in a V8 CPU profile (as written by `node --cpu-prof`), as a share of the
 * process's busy time (every sample but `(idle)`), with each one's file and line.
 *
 * A profile is a call tree (`nodes`, each with a `callFrame`), the node each sample landed in
 * (`samples`) and the microseconds since the previous sample (`timeDeltas`): a function's self
 * time is the sum of the deltas of the samples that landed in one of its nodes.
 * @see https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
 * @see https://nodejs.org/api/cli.html#--cpu-prof
 */

import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
      }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface SelfTime {
  name: string;
  /** file:line (1-based), relative to the repository for its own files. */
  where: string;
  selfMicros: number;
}

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Self time per function (name + file + line), largest first, and the busy total. */
export function selfTimes(profileJson: unknown): { functions: SelfTime[]; busyMicros: number } {
  const profile = profileSchema.parse(profileJson);
  const keyOf = new Map<number, { key: string; name: string; where: string }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.startsWith('file://') ? relative(repoRoot, fileURLToPath(url)) : url;
    const where = file === '' ? '' : `${file}:${lineNumber + 1}`;
    const name = functionName === '' ? '(anonymous)' : functionName;
    keyOf.set(node.id, { key: `${name} ${where}`, name, where });
  }
  const totals = new Map<string, SelfTime>();
  let busyMicros = 0;
  profile.samples.forEach((nodeId, index) => {
    const frame = keyOf.get(nodeId);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!frame || frame.name === '(idle)') return;
    busyMicros += micros;
    const entry = totals.get(frame.key) ?? { name: frame.name, where: frame.where, selfMicros: 0 };
    entry.selfMicros += micros;
    totals.set(frame.key, entry);
  });
  return { functions: [...totals.values()].sort((a, b) => b.selfMicros - a.selfMicros), busyMicros };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, count = '15'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node packages/gateway/bench/cpuprofile-top.ts FILE.cpuprofile [N]');
    process.exit(2);
  }
  const { functions, busyMicros } = selfTimes(JSON.parse(readFileSync(file, 'utf8')));
  console.log(`busy ${(busyMicros / 1000).toFixed(0)} ms (samples outside "(idle)")\n`);
  console.log('  self %   self ms  function  (file:line)');
  for (const entry of functions.slice(0, Number(count))) {
    const share = ((100 * entry.selfMicros) / busyMicros).toFixed(1).padStart(6);
    const millis = (entry.selfMicros / 1000).toFixed(0).padStart(8);
    console.log(`${share} %  ${millis}  ${entry.name}${entry.where ? `  (${entry.where})` : ''}`);
  }
}
