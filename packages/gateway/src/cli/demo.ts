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

Dashboard: ${gateway.url}/ — sign in as ${email} / ${password} to see keys, usage and credits.
Ctrl-C stops the demo.`);

const stop = () => {
  Promise.all([gateway.close(), sim.close()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
