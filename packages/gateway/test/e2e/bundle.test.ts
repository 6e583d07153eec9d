import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { sdkBrowserModules } from '@hypereal/dashboard';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningChild, startNodeChild, stopChildren } from '../../bench/processes.ts';
import { freshBundle, inputStamp, type Manifest, manifestName } from '../../bin/bundle.js';
import { type BuiltBundle, buildBundle, packageDir } from '../../build/bundle.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { simulatorEnv } from '../../src/cli/simulator-env.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { runCli } from '../helpers/run-cli.ts';

const simKey = 'sim-bundle-key';
const testRoots: string[] = [];

/** A build root of this test's own, inside the package (where the bundle resolves its dependencies from). */
function testOutRoot(): string {
  mkdirSync(join(packageDir, 'dist'), { recursive: true });
  const root = mkdtempSync(join(packageDir, 'dist', 'test-'));
  testRoots.push(root);
  return root;
}
afterAll(() => {
  for (const root of testRoots) rmSync(root, { recursive: true, force: true });
});

/** Every module specifier the bundle's files import, static or dynamic. */
function importedSpecifiers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .flatMap((name) => {
      const code = readFileSync(join(dir, name), 'utf8');
      return [...code.matchAll(/(?:\bfrom|\bimport\(?)\s*["']([^"']+)["']/g)].map((match) => match[1]!);
    });
}

describe('the built bundle (`hypereal` runs it): `serve` in front of the simulator', () => {
  let sim: UpstreamSim;
  let db: Database;
  let built: BuiltBundle;
  let gateway: RunningChild;
  let key = '';
  let userId = '';
  const dir = tempDir('hypereal-bundle-');

  beforeAll(async () => {
    built = await buildBundle({ outRoot: testOutRoot() });
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    const configPath = join(dir, 'hypereal.yaml');
    writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000\n');
    db = await openDatabase({ databaseUrl: '', sqlitePath: join(dir, 'hypereal.db') });
    const user = await createUser(db, { email: 'bundle@example.com' });
    userId = user.id;
    await grantCredits(db, user.id, creditsToMicro(1000), 'bundle test credits');
    key = (await createApiKey(db, { userId: user.id, name: 'bundle' })).secret;
    // `node <bundle>` with the bin's heap flags (read off its #! line): the bundle itself, not the bin's choice of it.
    const shebang = readFileSync(join(packageDir, 'bin', 'hypereal.js'), 'utf8').split('\n', 1)[0] ?? '';
    const heapFlags = shebang.match(/--(?:max-semi-space-size|heap-growing-percent)=\d+/g) ?? [];
    expect(heapFlags).toHaveLength(2);
    gateway = await startNodeChild({
      name: 'gateway (bundle)',
      script: built.entry,
      nodeArgs: heapFlags,
      args: ['serve', '--config', configPath],
      env: {
        ...simulatorEnv(sim.url, simKey),
        HYPEREAL_DATA_DIR: dir,
        DATABASE_URL: '',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
    });
  }, 120_000);
  afterAll(async () => {
    await stopChildren();
    await db.close();
    await sim.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('is plain JavaScript: no module of it imports TypeScript, and the lazy features are chunks or packages', () => {
    const specifiers = importedSpecifiers(built.dir);
    expect(specifiers.filter((specifier) => /\.[cm]?ts$/.test(specifier))).toEqual([]);
    // Loaded on first use, as from the sources: the tokenizer, Stripe, S3, SAML stay out of main.js.
    for (const lazy of ['gpt-tokenizer/encoding/o200k_base', 'stripe', '@aws-sdk/client-s3', 'nodemailer']) {
      expect(specifiers).toContain(lazy);
    }
    const main = readFileSync(built.entry, 'utf8');
    expect(main).not.toMatch(/\bimport\s*[^(]*["']gpt-tokenizer/);
    expect(main).not.toMatch(/\bimport\s*[^(]*["']stripe["']/);
    const files = readdirSync(built.dir).filter((name) => name.endsWith('.js'));
    const code = new Map(files.map((name) => [name, readFileSync(join(built.dir, name), 'utf8')]));
    // `import * as z from 'zod'` lets esbuild keep only the zod members in use: none of its other
    // locales (here German's "invalid input") comes with the default English one.
    expect([...code.values()].some((text) => text.includes('Invalid input'))).toBe(true);
    expect([...code.values()].some((text) => text.includes('ltige Eingabe'))).toBe(false);
    // OpenID Connect (openid-client, oauth4webapi) is a chunk of its own, imported on first use.
    const oidc = [...code].filter(([, text]) => text.includes('oauth4webapi')).map(([name]) => name);
    expect(oidc).toHaveLength(1);
    expect(oidc[0]).not.toBe('main.js');
    expect(main.includes('openid-client')).toBe(false);
  });

  it('answers a chat call and a stream, and charges them (balance equals the ledger)', async () => {
    const before = (await getBalance(db, userId)).availableMicro;
    const chat = await post('/v1/chat/completions', {
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'Hello from the bundle' }],
    });
    expect(chat.status).toBe(200);
    const answer = (await chat.json()) as {
      object: string;
      choices: Array<{ message: { content: string } }>;
    };
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0]?.message.content.length).toBeGreaterThan(0);

    const stream = await post('/v1/chat/completions', {
      model: 'deepseek-v3.2',
      stream: true,
      messages: [{ role: 'user', content: 'Stream from the bundle [[sim:reply_tokens=12]]' }],
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = await stream.text();
    expect(events.match(/^data: \{/gm)?.length).toBeGreaterThan(2);
    expect(events).toContain('data: [DONE]');

    // The stream's charge settles as it ends: wait for its hold to go.
    let after = await getBalance(db, userId);
    for (let tries = 0; after.heldMicro > 0 && tries < 50; tries++) {
      await new Promise((done) => setTimeout(done, 100));
      after = await getBalance(db, userId);
    }
    expect(after.heldMicro).toBe(0);
    expect(after.availableMicro).toBeLessThan(before);
    expect(after.balanceMicro).toBe(await ledgerSum(db, userId));
  });

  it('generates an image and serves its stored file', async () => {
    const response = await post('/v1/images/generations', {
      model: 'flux-2-pro',
      prompt: 'a lighthouse at dusk',
      size: '1024x768',
    });
    expect(response.status).toBe(200);
    const image = (await response.json()) as { data: Array<{ url: string }> };
    const file = await fetch(image.data[0]!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/^image\//);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('counts tokens locally for a chat model (the lazily loaded tokenizer)', async () => {
    const response = await post('/v1/messages/count_tokens', {
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
    });
    expect(response.status).toBe(200);
    const { input_tokens } = (await response.json()) as { input_tokens: number };
    expect(input_tokens).toBeGreaterThanOrEqual(10);
    expect(input_tokens).toBeLessThan(40);
  });

  it('serves the dashboard: a page, Chart.js, and hypereal-sdk from the files the build wrote', async () => {
    const login = await fetch(`${gateway.url}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toContain('text/html');
    expect(await login.text()).toContain('<form');
    const chart = await fetch(`${gateway.url}/dashboard/vendor/chart.umd.min.js`);
    expect(chart.status).toBe(200);
    expect((await chart.text()).length).toBeGreaterThan(10_000);
    for (const module of sdkBrowserModules().slice(0, 3)) {
      const served = await fetch(`${gateway.url}/dashboard/vendor/hypereal-sdk/${module.path}`);
      expect(served.status, module.path).toBe(200);
      expect(await served.text()).toBe(module.code.toString('utf8'));
      expect(existsSync(join(built.dir, 'hypereal-sdk', module.path))).toBe(true);
    }
  });
});

describe('bin/hypereal.js: a stale bundle never runs', () => {
  it('is fresh until a file it was made from changes, then a new build is', async () => {
    const outRoot = testOutRoot();
    const first = await buildBundle({ outRoot });
    expect(freshBundle(outRoot)).toBe(first.entry);
    expect(Object.keys(first.manifest.inputs)).toEqual(
      expect.arrayContaining(['src/cli/main.ts', '../dashboard/src/index.ts', 'build/bundle.ts']),
    );
    expect(Object.keys(first.manifest.inputs).some((input) => input.includes('node_modules/fastify/'))).toBe(
      true,
    );
    expect(first.manifest.inputs['src/ids.ts']).toBe(inputStamp(join(packageDir, 'src/ids.ts')));

    // src/ids.ts as it was when built differs from what is on disk now: stale.
    const manifestPath = join(outRoot, manifestName);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    writeFileSync(
      manifestPath,
      JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, 'src/ids.ts': '1:2:3' } }),
    );
    expect(freshBundle(outRoot)).toBeUndefined();

    const second = await buildBundle({ outRoot });
    expect(second.id).not.toBe(first.id);
    expect(freshBundle(outRoot)).toBe(second.entry);
  }, 60_000);

  it('stamps a file written again anew, even with its size and mtime as before', async () => {
    const file = join(tempDir(), 'input.ts');
    writeFileSync(file, 'export const a = 1;\n');
    utimesSync(file, 1_000, 1_000);
    const stamp = inputStamp(file);
    await new Promise((done) => setTimeout(done, 50));
    // A checkout or an extraction that restores the old mtime: only ctime tells.
    writeFileSync(file, 'export const a = 2;\n');
    utimesSync(file, 1_000, 1_000);
    expect(statSync(file).size).toBe(Number(stamp.split(':')[0]));
    expect(inputStamp(file)).not.toBe(stamp);
    // Written from a second before a build began: that build may have read it half-written.
    expect(inputStamp(file, Date.now())).toBe('changed during the build');
    expect(inputStamp(file, Date.now() + 5_000)).toBe(inputStamp(file));
  });

  it('keeps an old build while a live process started from it, removes it once none is left', async () => {
    const outRoot = testOutRoot();
    const inUse = join(outRoot, 'inuse-1');
    const unused = join(outRoot, 'unused-2');
    const old = new Date(Date.now() - 3_600_000);
    for (const [folder, pid] of [
      [inUse, process.pid],
      [unused, 2 ** 22 + 1], // above Linux's pid_max: never a live process
    ] as const) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'main.js'), '');
      writeFileSync(join(folder, `.pid-${pid}`), '');
      utimesSync(folder, old, old);
    }
    const notABuild = join(outRoot, 'notes');
    mkdirSync(notABuild);
    utimesSync(notABuild, old, old);
    await buildBundle({ outRoot });
    expect(existsSync(notABuild)).toBe(true);
    expect(existsSync(inUse)).toBe(true);
    expect(existsSync(unused)).toBe(false);
  }, 60_000);

  it('`hypereal models` builds dist/ when needed, prints only its own output, and leaves a fresh bundle', async () => {
    const bin = join(packageDir, 'bin/hypereal.js');
    const dataDir = tempDir();
    const result = await runCli(process.execPath, [bin, 'models'], {
      env: { HYPEREAL_DATA_DIR: dataDir },
      cwd: dataDir,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deepseek-v3.2');
    expect(freshBundle()).toMatch(/dist\/[^/]+\/main\.js$/);
  }, 60_000);
});
