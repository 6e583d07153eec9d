import { join } from 'node:path';
import { startWorker } from '@hypereal/gpu-worker';
import { comfyDefaultWorkflow, runpodWorkerEnv, startUpstreamSim } from '@hypereal/upstream-sim';
import { APIError, Hypereal } from '../../../sdk/src/index.ts';
import { createApiKey, createUser, findUserByEmail, setPassword } from '../accounts/index.ts';
import { creditsToMicro, formatCredits, getBalance, grantCredits } from '../billing/index.ts';
import { loadConfig } from '../config/index.ts';
import { startGateway } from '../gateway.ts';
import { simulatorEnv } from './simulator-env.ts';

/**
 * `npm run demo`: the gateway in front of the upstream simulator, with a funded demo
 * user and a fresh key — no provider account and no network needed. GPU jobs run on the
 * shipped worker (packages/gpu-worker) against the simulator's RunPod, and ComfyUI
 * deployments against the simulator's ComfyUI fake (`/comfyui`).
 */
const simulatorKey = 'sim-demo-key';
const sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simulatorKey] });
const dataDir = join(process.cwd(), 'data');
const config = loadConfig({
  // The simulator's video tasks finish in well under a second: poll them that often.
  inline: { jobs: { tickMs: 200, maxPollIntervalMs: 500 } },
  env: {
    ...process.env,
    ...simulatorEnv(sim.url, simulatorKey),
    DATABASE_URL: '',
    HYPEREAL_DATA_DIR: join(dataDir, 'demo'),
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
  },
});
const gateway = await startGateway(config);
const { db } = gateway.services;

const email = 'demo@hypereal.local';
const password = 'hypereal-demo';
const user = (await findUserByEmail(db, email)) ?? (await createUser(db, { email }));
await setPassword(db, user.id, password);
// Enough for a wan-video hold (600 s × 2 credits) beside the rest.
if ((await getBalance(db, user.id)).availableMicro < creditsToMicro(2000)) {
  await grantCredits(db, user.id, creditsToMicro(5000), 'demo credits');
}
const { secret } = await createApiKey(db, { userId: user.id, name: `demo ${new Date().toISOString()}` });
// The calls below go through hypereal-sdk, as a user's code would (its source, run as is: no build step).
const client = new Hypereal({ apiKey: secret, baseURL: gateway.url, maxRetries: 1 });
const failed = (error: unknown) =>
  error instanceof APIError
    ? `(failed: HTTP ${error.status ?? '-'} ${error.message})`
    : `(failed: ${String(error)})`;
// One image through the gateway, so the example below shows a real stored, signed link.
const imageExample = {
  model: 'flux-2-pro',
  prompt: 'isometric studio shot of a tiny cyberpunk apartment',
  size: '1024x768',
};
const imageUrl = await client.images.generate(imageExample).then((image) => image.data[0]?.url, failed);
// One spoken line through the gateway (Fish Audio in the simulator), stored like the image.
const speechExample = {
  model: 'audio-tts',
  text: 'Welcome to Hypereal. One key, every model.',
  voice_id: '7f92f8afb8ec43bf81429cc1c9199cb1',
};
const speechUrl = await client.audio.speech(speechExample).then((speech) => speech.data[0]?.url, failed);
// One video job (async: create, then poll the job until it ends), and one stored file.
const videoExample = {
  model: 'doubao-seedance-1-0-pro-fast',
  prompt: 'A paper boat on a rainy street',
  duration: 5,
};
const created = await client.videos.generate(videoExample).catch((error: unknown) => failed(error));
let videoResult = typeof created === 'string' ? created : '(still running)';
if (typeof created !== 'string') {
  const job = await client.jobs
    .wait(created.id, { pollInterval: 250, maxPollInterval: 250, timeout: 15_000 })
    .catch(() => undefined);
  if (job?.status === 'succeeded') videoResult = job.outputs[0]?.url ?? '(no output)';
  else if (job) videoResult = `(${job.status}: ${job.error?.message ?? ''})`;
}
const uploaded = await client.storage
  .uploadFile(new TextEncoder().encode('a tabby cat astronaut\na paper boat on a rainy street\n'), {
    filename: 'prompts.txt',
    contentType: 'text/plain',
    kind: 'dataset',
  })
  .then((file) => file.id, failed);
// GPU: one shipped worker per serverless endpoint, and one for every deployment running the
// worker-comfyui image (the simulator's stand-in for RunPod scheduling containers).
const comfyImage = 'runpod/worker-comfyui:5.5.0-base';
const gpuWorkers = await Promise.all(
  [{ endpointId: 'sdxl' }, { endpointId: 'wan-video' }, { image: comfyImage }].map((target) =>
    startWorker({
      env: runpodWorkerEnv(sim.url, { ...target, apiKey: simulatorKey }),
      comfyUiUrl: `${sim.url}/comfyui`,
      pollIntervalMs: 200,
      log: () => undefined,
    }),
  ),
);
const sdxlExample = { input: { prompt: 'a tabby cat astronaut', seed: 7 } };
const sdxlResult = await client.gpu
  .run('sdxl', sdxlExample)
  .then(
    (job) =>
      'outputs' in job && job.status === 'succeeded'
        ? `${job.outputs[0]} (${job.costCredits} credits, ${job.durationMs} ms)`
        : `(${job.status})`,
    failed,
  );
const wanExample = { input: { prompt: 'drone over Tokyo, neon, rain', seconds: 2 } };
const wanResult = await client.gpu
  .runAndWait('wan-video', wanExample, { pollInterval: 250, maxPollInterval: 250, timeout: 30_000 })
  .then(
    (job) =>
      'outputs' in job && job.status === 'succeeded'
        ? `${job.outputs[0]} (${job.costCredits} credits for ${job.durationMs} ms)`
        : `(${job.status}: ${job.error?.message ?? ''})`,
    failed,
  );
const demoWorkflow = comfyDefaultWorkflow({
  seed: 1,
  steps: 20,
  width: 512,
  height: 512,
  text: 'a lighthouse',
  filenamePrefix: 'demo',
});
const deploymentSlug = `demo-comfy-${Date.now().toString(36)}`;
const deployment = await client.deployments
  .create({
    slug: deploymentSlug,
    name: 'Demo ComfyUI',
    dockerImage: comfyImage,
    gpuTypes: 'ADA_48_PRO,AMPERE_80',
    workflow: demoWorkflow,
  })
  .catch((error: unknown) => failed(error));
const comfyExample = {
  input: {
    prompt: 'a cinematic portrait of an astronaut',
    seed: 42,
    workflow_overrides: { 'Sampler.steps': 30 },
  },
  sync: true,
};
const comfyResult =
  typeof deployment === 'string'
    ? deployment
    : await client.deployments
        .run(deploymentSlug, comfyExample)
        .then(
          (job) =>
            job.status === 'succeeded'
              ? `${job.output?.images[0]} (${job.creditsCharged} credits for ${job.executionMs} ms)`
              : `(${job.status}: ${job.error?.message ?? ''})`,
          failed,
        );
const balance = await getBalance(db, user.id);

console.log(`
Hypereal demo: gateway ${gateway.url} → upstream simulator ${sim.url}
User ${email}, balance ${formatCredits(balance.balanceMicro)} credits. Demo key:

  export HYPEREAL_API_KEY=${secret}

Stream an answer:

  curl -N ${gateway.url}/api/v1/chat/completions \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '{"model":"deepseek-v3.2","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

Or with the OpenAI SDK: new OpenAI({ baseURL: '${gateway.url}/api/v1', apiKey: process.env.HYPEREAL_API_KEY })
Or with hypereal-sdk (packages/sdk): new Hypereal({ baseURL: '${gateway.url}' }) reads HYPEREAL_API_KEY

Generate an image (billed per image; the URL is the gateway's own signed link):

  curl ${gateway.url}/api/v1/images/generations \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '${JSON.stringify(imageExample)}'

  Just made one: ${imageUrl}
  Or by intent: POST /api/v1/images/generate {"intent":"text-to-image-fast","prompt":"…"}

Speak, clone a voice, transcribe (Fish Audio; billed per request):

  curl ${gateway.url}/api/v1/audio/generations \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '${JSON.stringify(speechExample)}'

  Just made one: ${speechUrl}
  Clone: {"model":"audio-clone","text":"…","audio":"https://…/reference-30s.mp3"} → data[0].url + voice_id (reusable)
  Transcribe: {"model":"audio-asr","audio":"https://…/recording.mp3"} → text, segments, duration

Make a video (async, billed per second; poll the job until it succeeds):

  curl ${gateway.url}/api/v1/videos/generate \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '${JSON.stringify(videoExample)}'
  curl ${gateway.url}/api/v1/jobs/<jobId> -H "Authorization: Bearer $HYPEREAL_API_KEY"

  Just made one (job ${typeof created === 'string' ? '-' : created.id}): ${videoResult}

Store files (upload, list by kind, download, delete):

  curl "${gateway.url}/api/v1/storage/files?filename=prompts.txt&kind=dataset" \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: text/plain" --data-binary @prompts.txt
  curl "${gateway.url}/api/v1/storage/files?kind=dataset" -H "Authorization: Bearer $HYPEREAL_API_KEY"

  Just stored one: ${uploaded}

Run a GPU model (serverless; sdxl answers inline, 50 credits per call):

  curl ${gateway.url}/api/v1/gpu/sdxl \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '${JSON.stringify(sdxlExample)}'

  Just made one: ${sdxlResult}
  Long ones answer 202 + pollUrl (wan-video, 2 credits per GPU-second): ${wanResult}
  Catalogue and tiers: GET /api/v1/gpu/models, GET /api/v1/gpu/tiers

A ComfyUI deployment (created: ${deploymentSlug}, state ${typeof deployment === 'string' ? deployment : deployment.state}) and a run with overrides:

  curl ${gateway.url}/api/v1/gpu/run/${deploymentSlug} \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: application/json" \\
    -d '${JSON.stringify(comfyExample)}'

  Just ran: ${comfyResult}

Dashboard: ${gateway.url}/ — sign in as ${email} / ${password} to see keys, usage, jobs, credits and organisations.
Ctrl-C stops the demo.`);

const stop = () => {
  for (const worker of gpuWorkers) worker.kill();
  Promise.all([gateway.close(), sim.close()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
