import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config/index.ts';
import { createServices } from '../../gateway/src/gateway.ts';
import { buildApp } from '../../gateway/src/server/app.ts';
import { freshDatabase, tempDir } from '../../gateway/test/helpers/databases.ts';
import { Admin, Hypereal } from '../src/index.ts';

/** Every (method, path) the gateway registers, with the admin API switched on. */
async function gatewayRoutes(): Promise<string[]> {
  const db = await freshDatabase('sqlite');
  const config = loadConfig({
    inline: { server: { host: '127.0.0.1', port: 0, logLevel: 'silent' } },
    env: { HYPEREAL_ADMIN_TOKEN: 'route-coverage-admin-token' },
    cwd: tempDir(),
  });
  const services = await createServices(config, db);
  const routes = new Set<string>();
  const app = buildApp(services, {
    logger: false,
    onRoute: ({ method, url }) => {
      for (const each of [method].flat()) if (each !== 'HEAD') routes.add(`${each} ${url}`);
    },
  });
  await app.ready();
  await app.close();
  await services.upstream.close();
  services.files.close();
  await db.close();
  return [...routes].sort();
}

/**
 * Routes no SDK method calls, on purpose. Each group says why; a route that matches none of
 * these and no SDK call below fails the test, so a new gateway route needs an SDK method (or a
 * reason here).
 */
const excluded: { why: string; match: (route: string) => boolean }[] = [
  // Every /v1 route is also served under /api/v1 (the OpenAI-style base URL): the SDK uses /v1.
  { why: '/api/v1 aliases', match: (route) => / \/api\/v1(beta)?\//.test(route) },
  // DELETE /v1/jobs/:id is the REST spelling of POST /v1/jobs/:id/cancel (jobs.cancel).
  { why: 'cancel alias', match: (route) => route === 'DELETE /v1/jobs/:id' },
  // The dashboard: HTML pages, its static assets (the SDK's own files among them), the root redirect.
  {
    why: 'dashboard pages and assets',
    match: (route) =>
      route === 'GET /' ||
      route.startsWith('GET /dashboard/') ||
      /^GET \/(login|manage-api-keys|usage|credits|jobs|settings\/organization|gpu-recommend|infra\/deployments(\/new)?)$/.test(
        route,
      ),
  },
  // The dashboard's cookie twins of /v1 routes the SDK calls with the key (jobs, storage, GPU
  // catalogue, deployments): same data, session auth for the browser page.
  {
    why: 'session mirrors of /v1 routes',
    match: (route) =>
      /^(GET|POST|PATCH|DELETE) \/api\/(jobs|files|deployments)(\/:(id|slug))?(\/cancel)?$/.test(route) ||
      /^GET \/api\/gpu\/(models|tiers)$/.test(route),
  },
  // SSO sign-in: browser redirects and the IdP's callbacks (OIDC code, SAML ACS and metadata).
  {
    why: 'SSO browser flow',
    match: (route) => /^(GET|POST) \/api\/auth\/sso\/:providerId(\/(login|callback|metadata))?$/.test(route),
  },
  // The self-hosted GPU worker protocol (the shipped worker speaks it with its own token).
  { why: 'GPU worker protocol', match: (route) => route.includes(' /v1/gpu-workers/') },
  // Signed file links: a URL the SDK hands out (`storage.get().url`), fetched by whoever holds it.
  { why: 'signed file links', match: (route) => route === 'GET /v1/files/:id/content' },
  // Stripe's webhook, health and Prometheus metrics: for Stripe, load balancers and scrapers.
  {
    why: 'infrastructure',
    match: (route) =>
      route.startsWith('POST /webhooks/') || route === 'GET /health' || route === 'GET /metrics',
  },
];

type Call = (clients: { sdk: Hypereal; admin: Admin }) => unknown;
const gemini = { model: 'm', contents: [] };
const chat = { model: 'm', messages: [] };

/** Each route the SDK serves, and a call of the named method that reaches it. */
const calls: Record<string, Call> = {
  'POST /v1/chat/completions': ({ sdk }) => sdk.chat.completions.stream(chat).toArray(),
  'POST /v1/responses': ({ sdk }) => sdk.responses.create({ model: 'm', input: 'x' }),
  'GET /v1/responses/:id': ({ sdk }) => sdk.responses.retrieve('r'),
  'DELETE /v1/responses/:id': ({ sdk }) => sdk.responses.delete('r'),
  'POST /v1/responses/:id/cancel': ({ sdk }) => sdk.responses.cancel('r'),
  'GET /v1/responses/:id/input_items': ({ sdk }) => sdk.responses.inputItems('r'),
  'POST /v1/messages': ({ sdk }) => sdk.messages.create({ model: 'm', max_tokens: 1, messages: [] }),
  'POST /v1/messages/count_tokens': ({ sdk }) => sdk.messages.countTokens({ model: 'm', messages: [] }),
  'POST /v1beta/models/*': ({ sdk }) => sdk.gemini.generateContent(gemini),
  'POST /v1/gemini': ({ sdk }) => sdk.gemini.generate(gemini),
  'GET /v1beta/models': ({ sdk }) => sdk.gemini.listModels(),
  'GET /v1beta/models/:id': ({ sdk }) => sdk.gemini.retrieveModel('m'),
  'GET /v1/models': ({ sdk }) => sdk.models.list(),
  'GET /v1/models/:id': ({ sdk }) => sdk.models.retrieve('m'),
  'POST /v1/images/generations': ({ sdk }) => sdk.images.generate({ model: 'm', prompt: 'p' }),
  'POST /v1/images/generate': ({ sdk }) => sdk.images.byIntent('text-to-image', { prompt: 'p' }),
  'POST /v1/videos/generate': ({ sdk }) => sdk.videos.generate({ model: 'm', prompt: 'p' }),
  'POST /v1/audio/generations': ({ sdk }) => sdk.audio.speech({ text: 'x', voice_id: 'v' }),
  'GET /v1/jobs': ({ sdk }) => sdk.jobs.list(),
  'GET /v1/jobs/:id': ({ sdk }) => sdk.jobs.get('j'),
  'POST /v1/jobs/:id/cancel': ({ sdk }) => sdk.jobs.cancel('j'),
  'POST /v1/storage/files': ({ sdk }) => sdk.storage.uploadFile(new Uint8Array(1), { filename: 'a.txt' }),
  'GET /v1/storage/files': ({ sdk }) => sdk.storage.list(),
  'GET /v1/storage/files/:id': ({ sdk }) => sdk.storage.get('f'),
  'GET /v1/storage/files/:id/content': ({ sdk }) => sdk.storage.download('f'),
  'DELETE /v1/storage/files/:id': ({ sdk }) => sdk.storage.delete('f'),
  'GET /v1/webhooks/deliveries': ({ sdk }) => sdk.webhooks.deliveries.list(),
  'POST /v1/webhooks/deliveries/:id/redeliver': ({ sdk }) => sdk.webhooks.deliveries.redeliver('d'),
  'POST /v1/webhooks/secret': ({ sdk }) => sdk.webhooks.rotateSecret(),
  'GET /v1/gpu/models': ({ sdk }) => sdk.gpu.models(),
  'GET /v1/gpu/tiers': ({ sdk }) => sdk.gpu.tiers(),
  'POST /v1/gpu/:slug': ({ sdk }) => sdk.gpu.run('s', { input: {} }),
  'GET /v1/gpu/jobs': ({ sdk }) => sdk.gpu.jobs.list(),
  'GET /v1/gpu/jobs/:id': ({ sdk }) => sdk.gpu.jobs.get('j'),
  'POST /v1/gpu/jobs/:id/cancel': ({ sdk }) => sdk.gpu.jobs.cancel('j'),
  'POST /v1/gpu/run/:slug': ({ sdk }) => sdk.deployments.run('s', { input: {} }),
  'GET /v1/deployments': ({ sdk }) => sdk.deployments.list(),
  'POST /v1/deployments': ({ sdk }) => sdk.deployments.create({ slug: 's', dockerImage: 'i', gpuTypes: 'g' }),
  'GET /v1/deployments/:slug': ({ sdk }) => sdk.deployments.get('s'),
  'PATCH /v1/deployments/:slug': ({ sdk }) => sdk.deployments.update('s', {}),
  'DELETE /v1/deployments/:slug': ({ sdk }) => sdk.deployments.delete('s'),
  'GET /api/deployments/:slug/jobs': ({ sdk }) => sdk.deployments.recentJobs('s'),
  'GET /api/gpu/backends': ({ sdk }) => sdk.deployments.backends(),
  'POST /api/auth/login': ({ sdk }) => sdk.auth.login({ email: 'e', password: 'p' }),
  'GET /api/auth/session': ({ sdk }) => sdk.auth.session(),
  'POST /api/auth/logout': ({ sdk }) => sdk.auth.logout(),
  'POST /api/auth/password': ({ sdk }) => sdk.auth.changePassword({ currentPassword: 'a', newPassword: 'b' }),
  'POST /api/auth/sso/discover': ({ sdk }) => sdk.auth.ssoDiscover('a@b.c'),
  'GET /api/api-keys': ({ sdk }) => sdk.keys.list(),
  'POST /api/api-keys': ({ sdk }) => sdk.keys.create({ name: 'k' }),
  'GET /api/api-keys/:id': ({ sdk }) => sdk.keys.get('k'),
  'PATCH /api/api-keys/:id': ({ sdk }) => sdk.keys.update('k', {}),
  'DELETE /api/api-keys/:id': ({ sdk }) => sdk.keys.revoke('k'),
  'POST /api/api-keys/:id/enable': ({ sdk }) => sdk.keys.enable('k'),
  'GET /api/api-usage': ({ sdk }) => sdk.usage.analytics(),
  'GET /api/api-usage/export': ({ sdk }) => sdk.usage.exportCsv(),
  'GET /api/audit': ({ sdk }) => sdk.audit.list(),
  'GET /api/audit/export': ({ sdk }) => sdk.audit.exportCsv(),
  'GET /api/credits': ({ sdk }) => sdk.credits.balance(),
  'GET /api/credits/ledger': ({ sdk }) => sdk.credits.ledger(),
  'POST /api/credits/redeem': ({ sdk }) => sdk.credits.redeem('c'),
  'GET /api/credits/topups': ({ sdk }) => sdk.credits.topUps(),
  'POST /api/credits/checkout': ({ sdk }) => sdk.credits.checkout(500),
  'GET /api/credits/payments': ({ sdk }) => sdk.credits.payments(),
  'GET /api/orgs': ({ sdk }) => sdk.orgs.list(),
  'POST /api/orgs': ({ sdk }) => sdk.orgs.create({ name: 'o' }),
  'GET /api/orgs/permissions': ({ sdk }) => sdk.orgs.permissions(),
  'POST /api/invitations/accept': ({ sdk }) => sdk.orgs.acceptInvitation('t'),
  'POST /api/invitations/decline': ({ sdk }) => sdk.orgs.declineInvitation('t'),
  'GET /api/orgs/:orgId': ({ sdk }) => sdk.orgs.get('o'),
  'PATCH /api/orgs/:orgId': ({ sdk }) => sdk.orgs.rename('o', 'n'),
  'DELETE /api/orgs/:orgId': ({ sdk }) => sdk.orgs.delete('o'),
  'POST /api/orgs/:orgId/transfer': ({ sdk }) => sdk.orgs.transfer('o', 'u'),
  'POST /api/orgs/:orgId/leave': ({ sdk }) => sdk.orgs.leave('o'),
  'GET /api/orgs/:orgId/members': ({ sdk }) => sdk.orgs.members.list('o'),
  'POST /api/orgs/:orgId/invitations': ({ sdk }) =>
    sdk.orgs.members.invite('o', { email: 'e', role: 'viewer' }),
  'DELETE /api/orgs/:orgId/invitations/:invitationId': ({ sdk }) =>
    sdk.orgs.members.revokeInvitation('o', 'i'),
  'PATCH /api/orgs/:orgId/members/:userId': ({ sdk }) => sdk.orgs.members.setRole('o', 'u', 'viewer'),
  'DELETE /api/orgs/:orgId/members/:userId': ({ sdk }) => sdk.orgs.members.remove('o', 'u'),
  'GET /api/orgs/:orgId/api-keys': ({ sdk }) => sdk.orgs.keys.list('o'),
  'POST /api/orgs/:orgId/api-keys': ({ sdk }) => sdk.orgs.keys.create('o', { name: 'k' }),
  'PATCH /api/orgs/:orgId/api-keys/:keyId': ({ sdk }) => sdk.orgs.keys.update('o', 'k', {}),
  'DELETE /api/orgs/:orgId/api-keys/:keyId': ({ sdk }) => sdk.orgs.keys.revoke('o', 'k'),
  'GET /api/orgs/:orgId/credits': ({ sdk }) => sdk.orgs.credits.balance('o'),
  'GET /api/orgs/:orgId/credits/ledger': ({ sdk }) => sdk.orgs.credits.ledger('o'),
  'POST /api/orgs/:orgId/credits/redeem': ({ sdk }) => sdk.orgs.credits.redeem('o', 'c'),
  'GET /api/orgs/:orgId/usage': ({ sdk }) => sdk.orgs.usage.analytics('o'),
  'GET /api/orgs/:orgId/usage/export': ({ sdk }) => sdk.orgs.usage.exportCsv('o'),
  'GET /api/orgs/:orgId/audit': ({ sdk }) => sdk.orgs.audit.list('o'),
  'GET /api/orgs/:orgId/audit/export': ({ sdk }) => sdk.orgs.audit.exportCsv('o'),
  'GET /api/orgs/:orgId/sso': ({ sdk }) => sdk.orgs.sso.list('o'),
  'POST /api/orgs/:orgId/sso': ({ sdk }) =>
    sdk.orgs.sso.save('o', { type: 'saml', metadataXml: '<x/>', domain: 'd.test' }),
  'POST /api/orgs/:orgId/sso/:providerId/verify-domain': ({ sdk }) => sdk.orgs.sso.verifyDomain('o', 'p'),
  'DELETE /api/orgs/:orgId/sso/:providerId': ({ sdk }) => sdk.orgs.sso.delete('o', 'p'),
  'POST /admin/users': ({ admin }) => admin.users.create({ email: 'e' }),
  'GET /admin/users/:user': ({ admin }) => admin.users.get('u'),
  'POST /admin/users/:user/credits': ({ admin }) => admin.users.credit('u', { credits: 1 }),
  'PUT /admin/users/:user/password': ({ admin }) => admin.users.setPassword('u', 'p'),
  'PUT /admin/users/:user/rate-limit': ({ admin }) => admin.users.setRateLimit('u', 1),
  'POST /admin/users/:user/keys': ({ admin }) => admin.users.createKey('u'),
  'GET /admin/users/:user/keys': ({ admin }) => admin.users.listKeys('u'),
  'DELETE /admin/users/:user/keys/:key': ({ admin }) => admin.users.revokeKey('u', 'k'),
  'POST /admin/redeem-codes': ({ admin }) => admin.redeemCodes.create({ credits: 1 }),
  'POST /admin/gpu-workers/tokens': ({ admin }) => admin.gpuWorkerTokens.create('w'),
  'GET /admin/gpu-workers/tokens': ({ admin }) => admin.gpuWorkerTokens.list(),
  'DELETE /admin/gpu-workers/tokens/:id': ({ admin }) => admin.gpuWorkerTokens.revoke('t'),
};

/** Does a request the SDK sent (`POST /v1/jobs/j/cancel`) hit a route pattern (`POST /v1/jobs/:id/cancel`)? */
function hits(route: string, sent: string): boolean {
  const pattern = route
    .split(/(:[A-Za-z]+|\*)/)
    .map((part) =>
      part === '*' ? '.+' : part.startsWith(':') ? '[^/]+' : part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(sent);
}

/** The requests (method and path) one SDK call sends, against a fetch that answers `{}`. */
async function sent(call: Call): Promise<string[]> {
  const seen: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    seen.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    return new Response('{"data":[],"models":[],"csrfToken":"t"}', {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const common = { baseURL: 'http://gateway.test', maxRetries: 0, fetch: fetch as typeof globalThis.fetch };
  const sdk = new Hypereal({
    ...common,
    apiKey: 'ck_test',
    session: { cookie: 'hypereal_session=s', csrfToken: 't' },
  });
  const admin = new Admin({ ...common, adminToken: 'admin-token' });
  try {
    await call({ sdk, admin });
  } catch {
    // The `{}` answer does not fit every method's result; only the request matters here.
  }
  return seen;
}

describe('every gateway route is reachable through a named SDK method', () => {
  it('each route is called by an SDK method or excluded with a reason; each mapped call hits its route', async () => {
    const routes = await gatewayRoutes();
    const uncovered = routes.filter(
      (route) => !(route in calls) && !excluded.some((rule) => rule.match(route)),
    );
    expect(uncovered, 'routes with no SDK method and no exclusion').toEqual([]);
    const stale = Object.keys(calls).filter((route) => !routes.includes(route));
    expect(stale, 'mapped routes the gateway does not serve').toEqual([]);
    const misses: string[] = [];
    for (const [route, call] of Object.entries(calls)) {
      const requests = await sent(call);
      if (!requests.some((request) => hits(route, request)))
        misses.push(`${route} ← ${requests.join(', ') || 'nothing'}`);
    }
    expect(misses, 'SDK calls that did not reach their route').toEqual([]);
  });
});
