import { encodeApng } from '../png/apng.ts';
import type { RgbaImage } from '../png/png.ts';
import { renderImage } from '../render/render-image.ts';
import { inputObject, intParam, promptOf, seedOf } from './params.ts';
import { type HandlerContext, type Json, sleep, type WorkerJob } from './types.ts';

/** Per frame, so a video job is visibly running for a while. */
const FRAME_MS = 20;
const MAX_FRAMES = 240;

/**
 * The video handler (serverless `wan-video`): input `{prompt, seconds?, seed?, fps?, width?,
 * height?}` → `{videos:[{filename, type:"base64", content_type:"image/apng", data, seconds}]}`,
 * an animated PNG (no MP4 encoder without native code). Same input, same bytes.
 */
export async function videoHandler(job: WorkerJob, context: HandlerContext): Promise<Json> {
  const input = inputObject(job.input);
  const prompt = promptOf(input);
  const seed = seedOf(input, prompt);
  const seconds = intParam(input, 'seconds', 2, 1, 60);
  const fps = intParam(input, 'fps', 8, 1, 30);
  const width = intParam(input, 'width', 256, 16, 1024);
  const height = intParam(input, 'height', 256, 16, 1024);
  const count = Math.min(MAX_FRAMES, seconds * fps);
  const frames: RgbaImage[] = [];
  for (let index = 0; index < count; index += 1) {
    await sleep(FRAME_MS, context.signal);
    frames.push(renderImage({ prompt, seed, width, height, phase: index / count }));
    if ((index + 1) % 10 === 0 && index + 1 < count) context.progress({ frame: index + 1, frames: count });
  }
  const apng = encodeApng(frames, fps, {
    parameters: JSON.stringify({ prompt, seed, seconds, fps, width, height }),
  });
  return {
    videos: [
      {
        filename: `${job.id}.png`,
        type: 'base64',
        content_type: 'image/apng',
        data: apng.toString('base64'),
        seconds,
      },
    ],
  };
}
