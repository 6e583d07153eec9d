const ratios: ReadonlyArray<readonly [string, string]> = [
  ['step', 'steps'], // a sampler's steps (the shipped worker's render handler)
  ['frame', 'frames'], // video frames
  ['value', 'max'], // ComfyUI's `progress` event (https://docs.comfy.org/development/comfyui-server/comms_messages)
];

/**
 * A job's percentage from a worker's interim output. RunPod's `progress_update` value is
 * free-form (https://docs.runpod.io/serverless/workers/handler-functions#progress-updates), so
 * this reads the common shapes — `{step, steps}`, `{frame, frames}`, `{value, max}`, or a
 * `progress`/`percent` of 0–100 — and says nothing about anything else. Never 100 while running.
 */
export function progressPercent(output: unknown): number | undefined {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return undefined;
  const fields = output as Record<string, unknown>;
  const number = (key: string) => {
    const value = fields[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  for (const [done, total] of ratios) {
    const [part, whole] = [number(done), number(total)];
    if (part !== undefined && whole !== undefined && whole > 0) return clamp((part / whole) * 100);
  }
  const direct = number('progress') ?? number('percent');
  return direct === undefined ? undefined : clamp(direct);
}

const clamp = (percent: number) => Math.min(99, Math.max(0, Math.round(percent)));
