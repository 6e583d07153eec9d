import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';
import type { JobRecord } from '../jobs/types.ts';

/**
 * What a `gpu` job stores as its input: what the worker gets and how the job is priced, fixed
 * at submission (a later catalogue or deployment change does not reprice a running job).
 * Serverless jobs run on their catalogue model's routes; deployment jobs on the deployment's
 * backend endpoint.
 */
export const gpuJobInputSchema = z.object({
  family: z.enum(['serverless', 'deployment']),
  workerInput: z.record(z.string(), z.unknown()),
  maxSeconds: z.number().positive(),
  perCallMicro: z.number().int().nonnegative(),
  perSecondMicro: z.number().int().nonnegative(),
  deploymentId: z.string().optional(),
  /** Deployment jobs: where it runs. */
  backend: z.string().optional(),
  endpointId: z.string().optional(),
});
export type GpuJobInput = z.infer<typeof gpuJobInputSchema>;

export function gpuInputOf(job: JobRecord): GpuJobInput {
  const parsed = gpuJobInputSchema.safeParse(job.input);
  if (!parsed.success)
    throw new GatewayError('internal_error', { message: `Job ${job.id} has no readable GPU input.` });
  return parsed.data;
}

/** Per call, or per second of measured execution (ms-exact, capped at maxSeconds): integer micro-credits, rounded up. */
export function gpuCharge(
  input: Pick<GpuJobInput, 'perCallMicro' | 'perSecondMicro' | 'maxSeconds'>,
  executionMs: number,
): number {
  const ran = BigInt(Math.max(0, Math.min(Math.round(executionMs), Math.round(input.maxSeconds * 1000))));
  const thousandths = BigInt(input.perCallMicro) * 1000n + ran * BigInt(input.perSecondMicro);
  return Number((thousandths + 999n) / 1000n);
}

/** The hold at submission: the per-call price, or maxSeconds at the per-second rate. */
export const gpuHold = (input: Pick<GpuJobInput, 'perCallMicro' | 'perSecondMicro' | 'maxSeconds'>): number =>
  gpuCharge(input, input.maxSeconds * 1000);
