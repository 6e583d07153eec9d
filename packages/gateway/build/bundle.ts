/**
 * The gateway as plain JavaScript: `src/cli/main.ts` and everything it loads at start-up bundled by
 * esbuild into one ES module (plus the chunks of what loads lazily), so `hypereal` runs without
 * Node's TypeScript stripper and without ~1,000 separate modules (issue #13, README "Benchmarks").
 * `bin/hypereal.js` runs a build when it is fresh (`bin/bundle.js` checks the manifest this writes)
 * and runs this file to make one when it is not.
 *
 * Layout, under `dist/` (never committed): one folder per build, named by its id, holding `main.js`,
 * its chunks and `hypereal-sdk/` (the dashboard's browser copy of the SDK), and `current.json`, the
 * manifest naming the newest build and every file it was made from with that file's size, mtime and
 * ctime. A build is written whole before the manifest is renamed into place, so a concurrent start
 * reads the old build or the new one, never half of one. Old builds are removed once no running
 * process uses them (each start leaves `.pid-N` in its build's folder): a running gateway still finds
 * the lazy chunks of the build it started from.
 *
 * https://esbuild.github.io/api/#build, https://esbuild.github.io/api/#splitting,
 * https://esbuild.github.io/api/#metafile
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { sdkBrowserModules } from '@hypereal/dashboard';
import { build } from 'esbuild';
import { inputStamp, type Manifest, manifestName } from '../bin/bundle.js';

/** packages/gateway: inputs in the manifest are relative to it. */
export const packageDir = dirname(import.meta.dirname);
export const defaultOutRoot = join(packageDir, 'dist');

/**
 * Packages loaded only on first use (`await import(…)` in src/), kept out of the bundle and loaded
 * from node_modules as from the sources: bundling them lowers no idle memory (they are not loaded
 * then) and would put megabytes more in every build (the tokenizer's encoding alone is 3.4 MB).
 * ioredis and pg load at start-up only where Redis or PostgreSQL is configured; pg also looks for
 * its optional native binding (pg-native), which must stay a package.
 */
export const lazyPackages = [
  '@aws-sdk/client-s3',
  '@node-saml/node-saml',
  'gpt-tokenizer',
  'ioredis',
  'music-metadata',
  'nodemailer',
  'pg',
  'stripe',
];

/*
 * zod is imported as `import * as z from 'zod'` throughout src/: esbuild then keeps the members in
 * use. `import { z } from 'zod'` names zod's namespace object as a value, which keeps every export
 * of it, its 60-odd locales included: ~440 KB more bundle, more to parse and set up at start-up.
 * https://esbuild.github.io/api/#tree-shaking, https://zod.dev/packages/zod
 */

/**
 * Bundled CommonJS (fastify, pino, ajv…) calls `require` for Node's built-ins; an ES module has no
 * `require`, so the bundle makes one (https://nodejs.org/api/module.html#modulecreaterequirefilename).
 */
const requireBanner =
  "import { createRequire as hyperealCreateRequire } from 'node:module';\n" +
  'const require = hyperealCreateRequire(import.meta.url);';

export interface BuiltBundle {
  id: string;
  /** The build's folder and its entry module. */
  dir: string;
  entry: string;
  manifest: Manifest;
}

/** Builds the gateway into a new folder under `outRoot` and makes it the current build. */
export async function buildBundle(options: { outRoot?: string | undefined } = {}): Promise<BuiltBundle> {
  const outRoot = resolve(options.outRoot ?? defaultOutRoot);
  // The bundle finds the package's dependencies (and the package itself) as Node resolves them from
  // where it lies: inside the package, like src/.
  if (relative(packageDir, outRoot).startsWith('..'))
    throw new Error(`${outRoot} is not inside ${packageDir}`);
  const startedAt = Date.now();
  const id = `${startedAt.toString(36)}-${process.pid}`;
  const dir = join(outRoot, id);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: { main: join(packageDir, 'src/cli/main.ts') },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: lazyPackages.flatMap((name) => [name, `${name}/*`]),
    banner: { js: requireBanner },
    // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const sdkFiles: string[] = [];
  for (const module of sdkBrowserModules()) {
    const file = join(dir, 'hypereal-sdk', module.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, module.code);
    sdkFiles.push(relative(packageDir, module.from));
  }
  const sources = [
    ...Object.keys(result.metafile.inputs),
    ...sdkFiles,
    // A change to how the bundle is made makes it stale too.
    relative(packageDir, import.meta.filename),
    relative(packageDir, join(packageDir, 'bin/bundle.js')),
  ];
  const manifest: Manifest = { id, entry: 'main.js', inputs: {} };
  for (const source of sources) manifest.inputs[source] = inputStamp(join(packageDir, source), startedAt);
  const temporary = join(outRoot, `.${manifestName}.${id}`);
  writeFileSync(temporary, `${JSON.stringify(manifest)}\n`);
  renameSync(temporary, join(outRoot, manifestName));
  pruneBuilds(outRoot, id);
  return { id, dir, entry: join(dir, manifest.entry), manifest };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How `buildBundle` names a build's folder: the time in base 36, the building process. */
const buildId = /^[0-9a-z]+-\d+$/;

/** Removes every build but `keep` that no live process started from. */
function pruneBuilds(outRoot: string, keep: string): void {
  for (const entry of readdirSync(outRoot, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep || !buildId.test(entry.name)) continue;
    const dir = join(outRoot, entry.name);
    // A build still being written by a concurrent run has no manifest entry yet: leave young ones.
    if (Date.now() - statSync(dir).mtimeMs < 60_000) continue;
    const users = readdirSync(dir).flatMap((name) => {
      const pid = /^\.pid-(\d+)$/.exec(name)?.[1];
      return pid ? [Number(pid)] : [];
    });
    if (!users.some(alive)) rmSync(dir, { recursive: true, force: true });
  }
}

// `node build/bundle.ts [OUT_ROOT]` (what bin/hypereal.js runs when the bundle is stale): build, print nothing.
if (process.argv[1] === import.meta.filename) {
  try {
    await buildBundle({ outRoot: process.argv[2] });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
