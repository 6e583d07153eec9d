import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const sdkDir = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
export const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

export interface BuiltPackage {
  /** A copy of packages/sdk with dist/ built by `tsc -p tsconfig.build.json` (the `build` script). */
  dir: string;
  /** `npm pack` of that copy. */
  tarball: string;
}

/**
 * Builds the package the way `npm run build` does, but into a copy under the system temp
 * directory, so tests never depend on (or overwrite) a dist/ in the work tree; then packs it.
 */
export async function buildPackage(): Promise<BuiltPackage> {
  const root = await mkdtemp(join(tmpdir(), 'hypereal-sdk-'));
  const dir = join(root, 'hypereal-sdk');
  await cp(sdkDir, dir, {
    recursive: true,
    filter: (source) => !/[\\/](dist|node_modules)([\\/]|$)/.test(source.slice(sdkDir.length)),
  });
  await run(bin('tsc'), ['-p', join(dir, 'tsconfig.build.json')], { cwd: dir });
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: dir });
  const tarball = (await readdir(root)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  return { dir, tarball: join(root, tarball) };
}
