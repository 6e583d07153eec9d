import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { runpodWorkerEnv } from '@hypereal/upstream-sim';
import { type Harness, simulatorKey } from './harness.ts';

/** The sim's worker heartbeat interval in GPU tests: a silent worker is dead after 3 of them. */
export const pingIntervalMs = 200;
export const gpuSimOptions = {
  runpodPingIntervalMs: pingIntervalMs,
  runpodTakeWaitMs: 200,
  runpodStopWaitMs: 200,
};

/**
 * The shipped worker, in-process, against the RunPod simulator: for one endpoint
 * (`sdxl`, `wan-video`), or for every endpoint whose template runs `image` (a deployment).
 */
export function simWorker(
  harness: Harness,
  target: { endpointId: string } | { image: string },
  options: { comfyUi?: boolean } = {},
): Promise<RunningWorker> {
  return startWorker({
    env: runpodWorkerEnv(harness.sim.url, { ...target, apiKey: simulatorKey, pingIntervalMs }),
    handler: 'auto',
    pollIntervalMs: 50,
    shutdownGraceMs: 2_000,
    ...(options.comfyUi ? { comfyUiUrl: `${harness.sim.url}/comfyui` } : {}),
    log: () => undefined,
  });
}

/** A PNG's `tEXt` chunks (keyword → text), https://www.w3.org/TR/png-3/#11tEXt. */
export function pngText(bytes: Uint8Array): Record<string, string> {
  const buffer = Buffer.from(bytes);
  const text: Record<string, string> = {};
  let offset = 8;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'tEXt') {
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    if (type === 'zTXt') {
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = inflateSync(data.subarray(nul + 2)).toString('latin1');
    }
    offset += 12 + length;
  }
  return text;
}

/** APNG frame count from its `acTL` chunk (https://wiki.mozilla.org/APNG_Specification#.60acTL.60:_The_Animation_Control_Chunk). */
export function apngFrames(bytes: Uint8Array): number | undefined {
  const buffer = Buffer.from(bytes);
  const at = buffer.indexOf('acTL', 8, 'latin1');
  return at < 0 ? undefined : buffer.readUInt32BE(at + 4);
}

export const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/** One line of the GPU billing figures a run verified, in test-artifacts/gpu-billing.txt (for the closing note). */
export function noteBilling(line: string): void {
  const dir = join(import.meta.dirname, '../../../../test-artifacts');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'gpu-billing.txt'), `${new Date().toISOString()} ${line}\n`);
}
