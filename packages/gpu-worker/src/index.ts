export { comfyUiHandler } from './handlers/comfyui.ts';
export { builtInHandler, type HandlerMode, handlerModes } from './handlers/pick-handler.ts';
export { renderHandler } from './handlers/render.ts';
export type { HandlerContext, JobHandler, Json, WorkerJob } from './handlers/types.ts';
export { videoHandler } from './handlers/video.ts';
export { encodeApng } from './png/apng.ts';
export { encodePng, type RgbaImage } from './png/png.ts';
export { type GatewayRegistration, registerWithGateway } from './protocol/register.ts';
export {
  type RunningWorker,
  type StartWorkerOptions,
  startWorker,
  workerVersion,
} from './protocol/worker-loop.ts';
export { resolveUrls, urlsFromEnv, type WorkerEnv, type WorkerUrls } from './protocol/worker-urls.ts';
export { type RenderParams, renderImage } from './render/render-image.ts';
