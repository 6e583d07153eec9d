// Which gateway `hypereal` runs: the built bundle (build/bundle.ts writes it and its manifest) when
// it is fresh, else a new build of it, else the TypeScript sources. Plain JavaScript, so deciding
// loads no TypeScript stripper; types in bundle.d.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const manifestName = 'current.json';
const packageDir = dirname(import.meta.dirname);
const defaultOutRoot = join(packageDir, 'dist');

/**
 * What the manifest records of one input: size, mtime and ctime. ctime moves on every write,
 * rename or extraction whatever mtime a tool sets (npm's tarballs carry one fixed mtime), so any
 * change to a file, or its replacement, makes the bundle stale. Called with `changedSince`, a file
 * written from that time on gets a stamp no file matches: the build may have read it half-written.
 */
export function inputStamp(file, changedSince) {
  const stat = statSync(file);
  // File times come from a coarse clock (a few ms behind Date.now()): a second's margin.
  if (changedSince !== undefined && Math.max(stat.ctimeMs, stat.mtimeMs) >= changedSince - 1_000) {
    return 'changed during the build';
  }
  return `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function readManifest(outRoot) {
  try {
    const manifest = JSON.parse(readFileSync(join(outRoot, manifestName), 'utf8'));
    const valid =
      typeof manifest?.id === 'string' &&
      typeof manifest.entry === 'string' &&
      typeof manifest.inputs === 'object' &&
      manifest.inputs !== null;
    return valid ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** The current build's entry module if every file it was made from is unchanged, else undefined. */
export function freshBundle(outRoot = defaultOutRoot) {
  const manifest = readManifest(outRoot);
  if (!manifest) return undefined;
  for (const [file, stamp] of Object.entries(manifest.inputs)) {
    try {
      if (inputStamp(join(packageDir, file)) !== stamp) return undefined;
    } catch {
      return undefined;
    }
  }
  const dir = join(outRoot, manifest.id);
  try {
    // Marks the build as in use, so a later build does not remove the chunks this process loads lazily.
    writeFileSync(join(dir, `.pid-${process.pid}`), '');
  } catch (error) {
    if (!existsSync(dir)) return undefined;
    if (error?.code !== 'EACCES' && error?.code !== 'EROFS') throw error;
  }
  return join(dir, manifest.entry);
}

/**
 * The bundle to run, building it when stale; undefined means the TypeScript sources: with
 * HYPEREAL_BUNDLE=0, where esbuild is not installed (an install without dev dependencies), or when
 * the build fails (said on stderr).
 */
export function bundleToRun(outRoot = defaultOutRoot) {
  if (process.env.HYPEREAL_BUNDLE === '0') return undefined;
  const fresh = freshBundle(outRoot);
  if (fresh) return fresh;
  try {
    import.meta.resolve('esbuild');
  } catch {
    return undefined;
  }
  const build = spawnSync(process.execPath, [join(packageDir, 'build/bundle.ts'), outRoot], {
    // Node options meant for the gateway (a CPU profile, a heap limit) are not the build's.
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (build.status === 0) return freshBundle(outRoot);
  const why = (build.stderr || build.error?.message || `exit ${build.status}`).trim().split('\n')[0];
  process.stderr.write(`hypereal: could not build the bundle (${why}); running the TypeScript sources\n`);
  return undefined;
}
