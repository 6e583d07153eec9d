import { type DashboardAsset, loadDashboardAssets } from '@hypereal/dashboard';
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

function serve(asset: DashboardAsset) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-content-type-options', 'nosniff').header('etag', asset.etag);
    if (asset.page) reply.headers(pageHeaders);
    else reply.header('cache-control', assetCacheControl);
    if (!asset.page && request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.contentType).send(asset.body);
  };
}

/**
 * The web dashboard: `/login`, `/manage-api-keys`, `/usage`, `/credits` and their
 * assets under `/dashboard/…`, all read into memory once. The pages are static; they
 * talk to the account API (`/api/…`, docs/account-api.md) with the session cookie.
 */
export function registerDashboardRoutes(app: FastifyInstance): void {
  const assets = loadDashboardAssets();
  app.get('/', async (_request, reply) => reply.redirect('/usage', 302));
  for (const [path, asset] of assets) app.get(path, serve(asset));
}
