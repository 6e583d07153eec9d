export { comfyDefaultWorkflow, type DefaultWorkflowOptions } from './comfyui/default-workflow.ts';
export {
  type ComfyUiSim,
  type ComfyUiSimOptions,
  comfyUiPrefix,
  startComfyUiSim,
} from './comfyui/index.ts';
export type { Fault, FaultMatch, StreamErrorFault } from './faults.ts';
export { type PngInfo, readPngInfo } from './images/png.ts';
export { type Mp4Info, readMp4Info } from './media/mp4.ts';
export type { RecordedRequest } from './recorded-request.ts';
export {
  type RunpodControl,
  type RunpodWorkerEnvOptions,
  runpodWorkerEnv,
  type SeedEndpoint,
  type WebhookDelivery,
} from './runpod/index.ts';
export { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from './server.ts';
export {
  type FakeCheckoutSession,
  type FakeStripe,
  type FakeStripeEvent,
  type FakeStripeOptions,
  type FakeStripeRequest,
  startFakeStripe,
} from './stripe/fake-stripe.ts';
export type { FormObject, FormValue } from './stripe/form-body.ts';
export { parseFormBody } from './stripe/form-body.ts';
