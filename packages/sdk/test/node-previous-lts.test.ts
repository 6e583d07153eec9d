import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, run } from './helpers/build-package.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';

/** The previous Node LTS the SDK claims (package.json `engines`), from the `node` npm package. */
const previousLts = 'node@22';

/** `npx -y node@22`'s version, or null when the npm registry cannot be reached from here. */
async function fetchNode(): Promise<string | null> {
  try {
    const { stdout } = await run('npx', ['-y', previousLts, '--version'], { timeout: 120_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

// The packed SDK under the previous LTS, against the gateway: chat (plain and streamed), a
// media model list, a typed error, the account API with a session. Node 24 runs every README
// example (readme.test.ts); this keeps the older runtime's check short.
const smoke = `
import { Hypereal, NotFoundError } from 'hypereal-sdk';
const client = new Hypereal();
const completion = await client.chat.completions.create({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] });
if (!completion.choices[0]?.message.content) throw new Error('no completion');
let streamed = '';
for await (const chunk of client.chat.completions.stream({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] })) {
  streamed += chunk.choices[0]?.delta.content ?? '';
}
if (!streamed) throw new Error('no streamed text');
const models = await client.models.list();
if (!models.data.some((model) => model.kind === 'image')) throw new Error('no image model');
const missing = await client.jobs.get('job_nope').catch((error) => error);
if (!(missing instanceof NotFoundError) || !missing.requestId) throw new Error('not a typed NotFoundError');
await client.auth.login({ email: process.env.SMOKE_EMAIL, password: process.env.SMOKE_PASSWORD });
if ((await client.credits.balance()).balance <= 0) throw new Error('no balance');
console.log(process.version, 'ok');
`;

describe(`the packed SDK on the previous Node LTS (${previousLts})`, () => {
  let version: string | null = null;
  let gw: SdkHarness | undefined;
  let app = '';
  let key = '';
  const email = 'lts@example.com';
  const password = 'a long passphrase';

  beforeAll(async () => {
    version = await fetchNode();
    if (!version) return;
    const built = await buildPackage();
    app = join(dirname(built.dir), 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', built.tarball], { cwd: app });
    await writeFile(join(app, 'smoke.mjs'), smoke);
    gw = await startSdkHarness();
    key = (await gw.newUser(1000, { email, password })).key;
  }, 240_000);
  afterAll(async () => {
    await gw?.close();
  });

  it('runs the smoke script against the gateway', async (context) => {
    if (!version) {
      console.warn(`skipped: \`npx -y ${previousLts}\` could not be fetched from the npm registry`);
      context.skip();
    }
    expect(version).toMatch(/^v22\./);
    const { stdout } = await run('npx', ['-y', previousLts, 'smoke.mjs'], {
      cwd: app,
      timeout: 60_000,
      env: {
        ...process.env,
        HYPEREAL_API_KEY: key,
        HYPEREAL_BASE_URL: gw!.url,
        SMOKE_EMAIL: email,
        SMOKE_PASSWORD: password,
      },
    });
    expect(stdout.trim()).toMatch(/^v22\.\d+\.\d+ ok$/);
  }, 90_000);
});
