import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire, stripTypeScriptTypes } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the gateway serves, read once at startup. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
  /** Strong validator: a quoted SHA-256 prefix of the body. */
  etag: string;
  /** HTML pages get the page security headers and are never cached. */
  page: boolean;
}

/** Page routes and the HTML file each one serves. */
export const dashboardPages: Readonly<Record<string, string>> = {
  '/login': 'login.html',
  '/manage-api-keys': 'manage-api-keys.html',
  '/usage': 'usage.html',
  '/credits': 'credits.html',
  '/jobs': 'jobs.html',
  '/settings/organization': 'organization.html',
  '/gpu-recommend': 'gpu-recommend.html',
  '/infra/deployments': 'deployments.html',
  '/infra/deployments/new': 'deployment-new.html',
};

/** Everything else lives under this prefix: /dashboard/css/…, /dashboard/js/…, /dashboard/vendor/…. */
export const assetPrefix = '/dashboard';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

/**
 * This package's package.json, found through its name rather than this file's place: the gateway's
 * build bundles this module into its own dist/, where `../public/` would not be this package's.
 * From here Node resolves the name as a self-reference, from the gateway's bundle as its dependency
 * (https://nodejs.org/api/packages.html#self-referencing-a-package-using-its-name).
 */
const packageJson = createRequire(import.meta.url).resolve('@hypereal/dashboard/package.json');
/** Resolves this package's own dependencies (chart.js, hypereal-sdk), wherever this code runs from. */
const requireHere = createRequire(packageJson);

export const publicDir = join(dirname(packageJson), 'public');

/** chart.js's `exports` map hides dist/, so find dist/ from the entry point it does expose. */
function chartJsUmd(): string {
  const entry = requireHere.resolve('chart.js');
  return join(dirname(entry), 'chart.umd.min.js');
}

/** `<!-- include: name -->` in a page stands for public/partials/name.html (the shared top bar). */
function withIncludes(html: string): string {
  return html.replace(/^[ \t]*<!-- include: ([a-z-]+) -->\n/gm, (_line, name: string) =>
    readFileSync(join(publicDir, 'partials', `${name}.html`), 'utf8'),
  );
}

function asset(file: string, page = false): DashboardAsset {
  const body = page ? Buffer.from(withIncludes(readFileSync(file, 'utf8'))) : readFileSync(file);
  const contentType = contentTypes[extname(file)];
  if (!contentType) throw new Error(`Dashboard: no content type for ${file}`);
  return bodyAsset(body, contentType, page);
}

function bodyAsset(body: Buffer, contentType: string, page = false): DashboardAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { contentType, body, etag, page };
}

/** Every file under `dir` (relative paths, `/`-separated) that `keep` accepts. */
function filesUnder(dir: string, keep: (path: string) => boolean, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(join(dir, entry.name), keep, path);
    return keep(path) ? [path] : [];
  });
}

/**
 * `stripTypeScriptTypes`, minus the one ExperimentalWarning Node 24 prints on its first call (the
 * API is a release candidate there): nothing an operator could act on. Other warnings pass.
 */
function quietStrip(): (code: string) => string {
  return (code) => {
    const emit = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      if (!String(warning).includes('stripTypeScriptTypes')) Reflect.apply(emit, process, [warning, ...rest]);
    }) as typeof process.emitWarning;
    try {
      return stripTypeScriptTypes(code);
    } finally {
      process.emitWarning = emit;
    }
  };
}

/** Where hypereal-sdk is: the dependency, else (a work tree whose node_modules predates it) beside this package. */
function sdkRoot(): string {
  try {
    return dirname(requireHere.resolve('hypereal-sdk/package.json'));
  } catch {
    return join(dirname(packageJson), '..', 'sdk');
  }
}

/** One module of hypereal-sdk as the browser gets it. */
export interface SdkBrowserModule {
  /** Path under /dashboard/vendor/hypereal-sdk/: `index.js`, `resources/chat.js`… */
  path: string;
  code: Buffer;
  /** The file it was made from. */
  from: string;
}

/**
 * hypereal-sdk for the pages (api.js makes its account calls through it), as browser ES modules.
 * In this repository that is the SDK's TypeScript source with the types stripped
 * (https://nodejs.org/api/module.html#modulestriptypescripttypescode-options; the source uses
 * erasable syntax only) and `./x.ts` imports spelled `./x.js`; a registry install has no source,
 * only the built dist/, which is served as it is.
 */
export function sdkBrowserModules(): SdkBrowserModule[] {
  const root = sdkRoot();
  const source = join(root, 'src');
  if (existsSync(source)) {
    const strip = quietStrip();
    return filesUnder(source, (name) => name.endsWith('.ts') && !name.endsWith('.test.ts')).map((path) => {
      const from = join(source, path);
      const code = strip(readFileSync(from, 'utf8')).replace(
        /(\bfrom\s*['"]\.{1,2}\/[^'"]*)\.ts(['"])/g,
        '$1.js$2',
      );
      return { path: path.replace(/\.ts$/, '.js'), code: Buffer.from(code), from };
    });
  }
  const dist = join(root, 'dist');
  return filesUnder(dist, (name) => name.endsWith('.js')).map((path) => ({
    path,
    code: readFileSync(join(dist, path)),
    from: join(dist, path),
  }));
}

/**
 * Where the gateway's build writes `sdkBrowserModules()`: beside the bundle this module is part of
 * then (its chunks share one folder), so a built gateway serves them as files and never loads Node's
 * TypeScript stripper (~19 MB that stays resident). Beside the source file it does not exist.
 */
export const builtSdkDir = fileURLToPath(new URL('./hypereal-sdk/', import.meta.url));

function sdkAssets(into: Map<string, DashboardAsset>): void {
  const prefix = `${assetPrefix}/vendor/hypereal-sdk`;
  if (existsSync(builtSdkDir)) {
    for (const path of filesUnder(builtSdkDir, (name) => name.endsWith('.js'))) {
      into.set(`${prefix}/${path}`, asset(join(builtSdkDir, path)));
    }
    return;
  }
  for (const module of sdkBrowserModules()) {
    into.set(`${prefix}/${module.path}`, bodyAsset(module.code, contentTypes['.js']!));
  }
}

function walk(dir: string, prefix: string, into: Map<string, DashboardAsset>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, `${prefix}/${entry.name}`, into);
    else if (extname(entry.name) !== '.html' && contentTypes[extname(entry.name)]) {
      into.set(`${prefix}/${entry.name}`, asset(path));
    }
  }
}

/**
 * Every URL path the dashboard answers, mapped to its file: the pages, the
 * stylesheet and scripts under /dashboard/…, Chart.js at /dashboard/vendor/chart.umd.min.js and
 * hypereal-sdk under /dashboard/vendor/hypereal-sdk/.
 * Read once; nothing is resolved from the request path, so nothing outside public/ is reachable.
 */
export function loadDashboardAssets(): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const [route, file] of Object.entries(dashboardPages)) {
    assets.set(route, asset(join(publicDir, file), true));
  }
  walk(publicDir, assetPrefix, assets);
  assets.set(`${assetPrefix}/vendor/chart.umd.min.js`, asset(chartJsUmd()));
  sdkAssets(assets);
  return assets;
}
