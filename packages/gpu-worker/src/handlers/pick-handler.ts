import { comfyUiHandler } from './comfyui.ts';
import { renderHandler } from './render.ts';
import { isRecord, type JobHandler } from './types.ts';
import { videoHandler } from './video.ts';

export type HandlerMode = 'auto' | 'render' | 'video' | 'comfyui';
export const handlerModes: readonly HandlerMode[] = ['auto', 'render', 'video', 'comfyui'];

/**
 * `auto` picks by input: a `workflow` → ComfyUI; `seconds`, or an endpoint named like a video
 * model (`wan-video`), → video; anything else → render.
 */
export function builtInHandler(mode: HandlerMode): JobHandler {
  if (mode === 'render') return renderHandler;
  if (mode === 'video') return videoHandler;
  if (mode === 'comfyui') return comfyUiHandler;
  return (job, context) => {
    const input = isRecord(job.input) ? job.input : {};
    if (input['workflow'] !== undefined && input['workflow'] !== null) return comfyUiHandler(job, context);
    const endpoint = job.endpointId ?? context.endpointId ?? '';
    if (input['seconds'] !== undefined || /video/i.test(endpoint)) return videoHandler(job, context);
    return renderHandler(job, context);
  };
}
