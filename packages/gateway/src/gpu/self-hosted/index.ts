export { selfHostedBackend, taskStatus } from './backend.ts';
export { type SelfHostedOptions, SweepThrottle } from './pool.ts';
export {
  cancelTask,
  enqueueTask,
  finishTask,
  getTask,
  recordProgress,
  releaseUnlisted,
  sweepTasks,
  type TaskRecord,
  takeStops,
  takeTask,
} from './tasks.ts';
export {
  createWorkerToken,
  findLiveToken,
  listWorkerTokens,
  revokeWorkerToken,
  tokenView,
  type WorkerTokenRecord,
  type WorkerTokenView,
  workerTokenPrefix,
} from './tokens.ts';
export {
  authenticateWorker,
  imageEndpoint,
  registerWorker,
  servedEndpoints,
  type WorkerRecord,
} from './workers.ts';
