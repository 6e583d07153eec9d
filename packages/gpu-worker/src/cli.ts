import { parseArgs } from 'node:util';
import { type HandlerMode, handlerModes } from './handlers/pick-handler.ts';
import { type StartWorkerOptions, startWorker } from './protocol/worker-loop.ts';

const usage = `hypereal-worker — a GPU worker speaking RunPod's serverless worker protocol

  hypereal-worker [--handler auto|render|video|comfyui] [--comfyui-url URL]
      on RunPod (or the simulator): reads RUNPOD_WEBHOOK_GET_JOB, RUNPOD_WEBHOOK_POST_OUTPUT,
      RUNPOD_WEBHOOK_PING, RUNPOD_AI_API_KEY, RUNPOD_POD_ID, RUNPOD_ENDPOINT_ID, RUNPOD_PING_INTERVAL
  hypereal-worker --gateway URL --token gwt_… --serve sdxl,wan-video [--image IMAGE] [--name NAME]
      registers with a Hypereal gateway's self-hosted pool, then runs the same way

  --poll-ms N      pause after an empty take (default 1000)
  --grace-ms N     on SIGTERM, how long the current job may finish before it is given back (default 30000)
  COMFYUI_URL      ComfyUI's address for workflows (default http://127.0.0.1:8188 with --handler comfyui)`;

const { values } = parseArgs({
  options: {
    handler: { type: 'string', default: 'auto' },
    'comfyui-url': { type: 'string' },
    gateway: { type: 'string' },
    token: { type: 'string' },
    serve: { type: 'string' },
    image: { type: 'string' },
    name: { type: 'string' },
    'poll-ms': { type: 'string' },
    'grace-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

if (values.help) {
  console.log(usage);
  process.exit(0);
}
const mode = values.handler as HandlerMode;
if (!handlerModes.includes(mode)) fail(`unknown --handler ${values.handler}`);

const options: StartWorkerOptions = {
  env: process.env,
  handler: mode,
  log: (message) => console.log(`[hypereal-worker] ${message}`),
};
const comfyUiUrl =
  values['comfyui-url'] ??
  process.env['COMFYUI_URL'] ??
  (mode === 'comfyui' ? 'http://127.0.0.1:8188' : undefined);
if (comfyUiUrl) options.comfyUiUrl = comfyUiUrl;
for (const [flag, field] of [
  ['poll-ms', 'pollIntervalMs'],
  ['grace-ms', 'shutdownGraceMs'],
] as const) {
  const raw = values[flag];
  if (raw === undefined) continue;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) fail(`invalid --${flag} ${raw}`);
  options[field] = ms;
}
if (values.gateway) {
  const token = values.token ?? process.env['HYPEREAL_WORKER_TOKEN'];
  if (!token) fail('--gateway needs --token gwt_… (or $HYPEREAL_WORKER_TOKEN)');
  const serve = (values.serve ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (serve.length === 0 && !values.image) fail('--gateway needs --serve NAME[,NAME] and/or --image IMAGE');
  options.gateway = { url: values.gateway, token, serve, image: values.image, name: values.name };
}

try {
  const worker = await startWorker(options);
  console.log(`[hypereal-worker] worker ${worker.workerId} running`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`[hypereal-worker] ${signal}: finishing the current job, taking no more`);
      void worker.stop();
    });
  }
  await worker.finished;
  process.exit(0);
} catch (error) {
  console.error(`[hypereal-worker] ${(error as Error).message}`);
  process.exit(1);
}
