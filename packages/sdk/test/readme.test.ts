import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { runpodWorkerEnv } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorKey } from '../../gateway/test/helpers/harness.ts';
import { buildPackage, run, sdkDir } from './helpers/build-package.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';

/** The operator token the Admin example uses (the demo's gateway would read it from its env). */
const adminToken = 'readme-admin-token-0123456789';

interface Example {
  heading: string;
  code: string;
}

/** The README's ```ts blocks, each under its heading; a block after `<!-- not run: … -->` is left out. */
async function readmeExamples(): Promise<Example[]> {
  const text = await readFile(join(sdkDir, 'README.md'), 'utf8');
  const examples: Example[] = [];
  let heading = '';
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.startsWith('## ')) heading = line.slice(3);
    if (line !== '```ts') continue;
    const end = lines.indexOf('```', index + 1);
    const before =
      lines
        .slice(0, index)
        .reverse()
        .find((each) => each.trim() !== '') ?? '';
    if (!before.startsWith('<!-- not run'))
      examples.push({ heading, code: lines.slice(index + 1, end).join('\n') });
    index = end;
  }
  return examples;
}

/**
 * The issue's "done": the packed tarball installed into an empty project runs every README
 * example against a gateway like `npm run demo`'s (the simulator behind it, the demo's sign-in,
 * plus GPU workers for the GPU and deployment examples).
 */
describe('every README example, from the packed tarball in an empty project', () => {
  let gw: SdkHarness;
  let app: string;
  let key: string;
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    const built = await buildPackage();
    app = join(dirname(built.dir), 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', built.tarball], { cwd: app });
    gw = await startSdkHarness({}, { HYPEREAL_ADMIN_TOKEN: adminToken });
    const user = await gw.newUser(10_000, { email: 'demo@hypereal.local', password: 'hypereal-demo' });
    key = user.key;
    const sim = gw.harness.sim.url;
    for (const env of [
      runpodWorkerEnv(sim, { endpointId: 'sdxl', apiKey: simulatorKey }),
      runpodWorkerEnv(sim, { image: 'ghcr.io/acme/render-worker:1.0', apiKey: simulatorKey }),
    ]) {
      workers.push(await startWorker({ env, pollIntervalMs: 20, log: () => {} }));
    }
  }, 180_000);
  afterAll(async () => {
    for (const worker of workers) worker.kill();
    await gw?.close();
  });

  it('installs with no dependencies and each example exits 0', async () => {
    const installed = JSON.parse(
      await readFile(join(app, 'node_modules/hypereal-sdk/package.json'), 'utf8'),
    ) as {
      name: string;
    };
    expect(installed.name).toBe('hypereal-sdk');
    const examples = await readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(15);
    for (const [index, example] of examples.entries()) {
      const file = join(app, `example-${index}.mts`);
      await writeFile(file, example.code);
      const outcome = await run(process.execPath, [file], {
        cwd: app,
        timeout: 60_000,
        env: {
          ...process.env,
          HYPEREAL_API_KEY: key,
          HYPEREAL_BASE_URL: gw.url,
          HYPEREAL_ADMIN_TOKEN: adminToken,
          NODE_NO_WARNINGS: '1',
        },
      }).catch((error: { code: number; stderr: string; stdout: string }) => error);
      expect(
        'code' in outcome ? `${example.heading}: ${outcome.stderr}${outcome.stdout}` : '',
        example.heading,
      ).toBe('');
    }
  }, 300_000);
});
