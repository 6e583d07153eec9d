import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuiltPackage, bin, buildPackage, run } from './helpers/build-package.ts';

/**
 * Minified, bundled size of the whole client (every resource, orgs and the operator client
 * included): the budget a browser pays. Set with ~10 % headroom over today's size
 * (30.0 KB / 8.4 KB gzip, Dec 2026); growing past it means a resource should move behind its own entry point.
 */
const minifiedBudgetBytes = 33_000;
const gzipBudgetBytes = 9_500;

describe('the published package', () => {
  let built: BuiltPackage;
  beforeAll(async () => {
    built = await buildPackage();
  }, 120_000);

  it('npm pack ships dist (JS + .d.ts), README and package.json only', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: built.dir,
    });
    const [pack] = JSON.parse(stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
    expect(pack!.name).toBe('hypereal-sdk');
    const paths = pack!.files.map((file) => file.path);
    expect(paths.filter((path) => !/^(dist\/.+\.(js|d\.ts)|README\.md|package\.json)$/.test(path))).toEqual(
      [],
    );
    expect(paths).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']),
    );
    const manifest = JSON.parse(await readFile(join(built.dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest['dependencies']).toBeUndefined();
  });

  it('publint finds nothing to fix', async () => {
    const pkg = JSON.parse(await readFile(join(built.dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const { messages } = await publint({ pkgDir: built.dir, level: 'suggestion', strict: true });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('are-the-types-wrong finds no problem for ESM consumers (node16, bundler)', async () => {
    const result = await run(process.execPath, [
      bin('attw'),
      built.tarball,
      '--profile',
      'esm-only',
      '--format',
      'json',
    ])
      .then(({ stdout }) => ({ code: 0, stdout }))
      .catch((error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }));
    const report = JSON.parse(result.stdout) as { analysis: { problems: Array<{ kind: string }> } };
    // The one problem the esm-only profile accepts: CommonJS `require` resolves to ESM (no CJS build ships;
    // Node 22+ can require() it anyway, the graph has no top-level await).
    expect(report.analysis.problems.filter((problem) => problem.kind !== 'CJSResolvesToESM')).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('bundles for the browser within its size budget, with no static Node import', async () => {
    const bundle = await build({
      entryPoints: [join(built.dir, 'dist/index.js')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code.length).toBeLessThan(minifiedBudgetBytes);
    expect(gzipSync(code).length).toBeLessThan(gzipBudgetBytes);
  });
});
