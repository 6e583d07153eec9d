import { assetPrefix, type DashboardAsset, dashboardPages, loadDashboardAssets } from '@hypereal/dashboard';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The pages may load scripts, styles, images and API calls from this origin only: no
 * inline script or style, no framing, no plugins, forms post only here.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pageHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  // Pages show account data: never stored by the browser or a proxy.
  'cache-control': 'no-store',
};

/** Assets are not fingerprinted: a browser may keep them but revalidates (cheap 304 by ETag). */
const assetCacheControl = 'public, max-age=0, must-revalidate';

function send(asset: DashboardAsset, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-content-type-options', 'nosniff').header('etag', asset.etag);
  if (asset.page) reply.headers(pageHeaders);
  else reply.header('cache-control', assetCacheControl);
  if (!asset.page && request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

/**
 * The web dashboard: `/login`, `/manage-api-keys`, `/usage`, `/credits`… and their assets under
 * `/dashboard/…`, read into memory on the first request for any of them (a gateway used only
 * through the API never holds the ~0.5 MB of pages, scripts and Chart.js). The pages are static;
 * they talk to the account API (`/api/…`, docs/account-api.md) with the session cookie. An asset
 * path is looked up in what was read, never resolved on disk: nothing outside public/ is reachable.
 */
export function registerDashboardRoutes(app: FastifyInstance): void {
  let assets: Map<string, DashboardAsset> | undefined;
  const loaded = () => {
    assets ??= loadDashboardAssets();
    return assets;
  };
  app.get('/', async (_request, reply) => reply.redirect('/usage', 302));
  for (const path of Object.keys(dashboardPages)) {
    app.get(path, async (request, reply) => send(loaded().get(path)!, request, reply));
  }
  app.get<{ Params: { '*': string } }>(`${assetPrefix}/*`, async (request, reply) => {
    const asset = loaded().get(`${assetPrefix}/${request.params['*']}`);
    if (!asset) return reply.callNotFound();
    return send(asset, request, reply);
  });
}
