import { encodePng } from '../png/png.ts';
import { renderImage } from '../render/render-image.ts';
import { inputObject, intParam, promptOf, seedOf } from './params.ts';
import { type HandlerContext, type Json, sleep, type WorkerJob } from './types.ts';

/** Milliseconds each sampling step takes, so a job has a visible running phase. */
const STEP_MS = 5;

/**
 * The image handler (serverless `sdxl`): input `{prompt, seed?, width?, height?, negative_prompt?,
 * steps?}` → worker-comfyui's v5 output `{images:[{filename, type:"base64", data}]}`
 * (https://github.com/runpod-workers/worker-comfyui#output). Same input, same bytes.
 */
export async function renderHandler(job: WorkerJob, context: HandlerContext): Promise<Json> {
  const input = inputObject(job.input);
  const prompt = promptOf(input);
  const seed = seedOf(input, prompt);
  const width = intParam(input, 'width', 512, 16, 2048);
  const height = intParam(input, 'height', 512, 16, 2048);
  const steps = intParam(input, 'steps', 20, 1, 150);
  for (let step = 1; step <= steps; step += 1) {
    await sleep(STEP_MS, context.signal);
    if (step % 5 === 0 && step < steps) context.progress({ step, steps });
  }
  const parameters: Record<string, Json> = { prompt, seed, width, height, steps };
  if (typeof input['negative_prompt'] === 'string') parameters['negative_prompt'] = input['negative_prompt'];
  const png = encodePng(renderImage({ prompt, seed, width, height }), {
    parameters: JSON.stringify(parameters),
  });
  return { images: [{ filename: `${job.id}.png`, type: 'base64', data: png.toString('base64') }] };
}
