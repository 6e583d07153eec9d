import { join } from 'node:path';
import { startUpstreamSim } from '@hypereal/upstream-sim';
import { createApiKey, createUser, findUserByEmail, setPassword } from '../accounts/index.ts';
import { creditsToMicro, formatCredits, getBalance, grantCredits } from '../billing/index.ts';
import { loadConfig } from '../config/index.ts';
import { startGateway } from '../gateway.ts';
import { simulatorEnv } from './simulator-env.ts';

/**
 * `npm run demo`: the gateway in front of the upstream simulator, with a funded demo
 * user and a fresh key — no provider account and no network needed.
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
if ((await getBalance(db, user.id)).availableMicro < creditsToMicro(500)) {
  await grantCredits(db, user.id, creditsToMicro(1000), 'demo credits');
}
const { secret } = await createApiKey(db, { userId: user.id, name: `demo ${new Date().toISOString()}` });
// One image through the gateway, so the example below shows a real stored, signed link.
const imageExample = {
  model: 'flux-2-pro',
  prompt: 'isometric studio shot of a tiny cyberpunk apartment',
  size: '1024x768',
};
const imageResponse = await fetch(`${gateway.url}/api/v1/images/generations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
  body: JSON.stringify(imageExample),
});
const imageUrl = imageResponse.ok
  ? ((await imageResponse.json()) as { data: { url: string }[] }).data[0]?.url
  : `(failed: HTTP ${imageResponse.status} ${await imageResponse.text()})`;
// One spoken line through the gateway (Fish Audio in the simulator), stored like the image.
const speechExample = {
  model: 'audio-tts',
  text: 'Welcome to Hypereal. One key, every model.',
  voice_id: '7f92f8afb8ec43bf81429cc1c9199cb1',
};
const speechResponse = await fetch(`${gateway.url}/api/v1/audio/generations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
  body: JSON.stringify(speechExample),
});
const speechUrl = speechResponse.ok
  ? ((await speechResponse.json()) as { data: { url: string }[] }).data[0]?.url
  : `(failed: HTTP ${speechResponse.status} ${await speechResponse.text()})`;
// One video job (async: create, then poll the job until it ends), and one stored file.
const auth = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
const videoExample = {
  model: 'doubao-seedance-1-0-pro-fast',
  prompt: 'A paper boat on a rainy street',
  duration: 5,
};
const created = (await (
  await fetch(`${gateway.url}/api/v1/videos/generate`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(videoExample),
  })
).json()) as { jobId?: string; pollUrl?: string; error?: { message: string } };
let videoResult = created.error ? `(failed: ${created.error.message})` : '(still running)';
for (let poll = 0; created.jobId && poll < 60; poll++) {
  const job = (await (
    await fetch(`${gateway.url}/api/v1/jobs/${created.jobId}`, { headers: auth })
  ).json()) as {
    status: string;
    outputs?: { url: string }[];
    error?: { message: string };
  };
  if (job.status === 'succeeded') videoResult = job.outputs?.[0]?.url ?? '(no output)';
  if (job.status !== 'queued' && job.status !== 'running') {
    if (job.status !== 'succeeded') videoResult = `(${job.status}: ${job.error?.message ?? ''})`;
    break;
  }
  await new Promise((done) => setTimeout(done, 250));
}
const upload = await fetch(`${gateway.url}/api/v1/storage/files?filename=prompts.txt&kind=dataset`, {
  method: 'POST',
  headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/plain' },
  body: 'a tabby cat astronaut\na paper boat on a rainy street\n',
});
const uploaded = upload.ok ? ((await upload.json()) as { id: string }).id : `(failed: HTTP ${upload.status})`;
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

  Just made one (job ${created.jobId ?? '-'}): ${videoResult}

Store files (upload, list by kind, download, delete):

  curl "${gateway.url}/api/v1/storage/files?filename=prompts.txt&kind=dataset" \\
    -H "Authorization: Bearer $HYPEREAL_API_KEY" -H "Content-Type: text/plain" --data-binary @prompts.txt
  curl "${gateway.url}/api/v1/storage/files?kind=dataset" -H "Authorization: Bearer $HYPEREAL_API_KEY"

  Just stored one: ${uploaded}

Dashboard: ${gateway.url}/ — sign in as ${email} / ${password} to see keys, usage, jobs, credits and organisations.
Ctrl-C stops the demo.`);

const stop = () => {
  Promise.all([gateway.close(), sim.close()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
