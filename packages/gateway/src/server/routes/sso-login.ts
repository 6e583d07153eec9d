import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import {
  acceptResponse,
  authorizationUrl,
  completeLogin,
  consumeLoginState,
  createLoginState,
  emailDomain,
  findProvider,
  loginRedirectUrl,
  loginStateTtlMs,
  newPkce,
  providerForDomain,
  type SsoProvider,
  sha256,
  signInFederated,
  spMetadata,
} from '../../sso/index.ts';
import { readCookie } from '../cookies.ts';
import { sameSecret } from '../same-secret.ts';
import type { Services } from '../services.ts';
import { assertSameOrigin, wantsSecureCookies } from '../session-auth.ts';
import { validateBody } from '../validate-body.ts';
import { startSession } from './account-auth.ts';
import { baseUrl, spEndpoints, ssoPaths } from './sso-urls.ts';

const stateCookie = 'hypereal_sso_state';
const discoverSchema = z.object({ email: z.string().min(3).max(320) }).strict();
const loginQuery = z.looseObject({ login_hint: z.string().max(320).optional() });
const callbackQuery = z.looseObject({ state: z.string().max(200).optional() });
const acsBody = z.looseObject({ SAMLResponse: z.string().max(1_000_000), RelayState: z.string().optional() });

type ProviderRequest = FastifyRequest<{ Params: { providerId: string } }>;

/**
 * A browser that navigated here (Accept: text/html) is sent back to the login form with the
 * reason (`/login?sso_error=…`) instead of a JSON error page; API clients get the JSON error.
 */
function forBrowser(handler: (request: ProviderRequest, reply: FastifyReply) => Promise<unknown>) {
  return async (request: ProviderRequest, reply: FastifyReply): Promise<unknown> => {
    try {
      return await handler(request, reply);
    } catch (error) {
      const accept = request.headers.accept ?? '';
      if (!(error instanceof GatewayError) || !accept.includes('text/html')) throw error;
      const query = new URLSearchParams({ sso_error: error.message });
      return reply.code(303).header('location', `/login?${query}`).header('cache-control', 'no-store').send();
    }
  };
}

/**
 * Public single sign-on routes (README, "Single sign-on"):
 * - POST /api/auth/sso/discover {email}: where the login form sends a claimed domain;
 * - GET  /api/auth/sso/{id}/login: starts the login at the IdP (302);
 * - GET  /api/auth/sso/{id}/callback: OIDC redirect URI;
 * - POST /api/auth/sso/{id}: SAML assertion consumer service (HTTP-POST binding);
 * - GET  /api/auth/sso/{id}/metadata: our SAML SP metadata.
 * A completed login gets the same session cookie as a password login, then goes to the dashboard.
 */
export function registerSsoLoginRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services;
  const fetch = guardedFetch({ allowPrivate: services.config.network.allowPrivate });

  async function loginProvider(id: string): Promise<SsoProvider> {
    const provider = await findProvider(db, id);
    if (!provider || provider.domainVerifiedAt === null)
      throw new GatewayError('not_found', { message: 'No single sign-on provider with this id.' });
    return provider;
  }

  app.post('/api/auth/sso/discover', async (request) => {
    assertSameOrigin(request);
    const { email } = validateBody(discoverSchema, request);
    const normalised = email.trim().toLowerCase();
    const provider = await providerForDomain(db, emailDomain(normalised));
    if (!provider) return { sso: false };
    const hint = new URLSearchParams({ login_hint: normalised });
    return {
      sso: true,
      type: provider.type,
      providerId: provider.id,
      ssoOnly: provider.ssoOnly,
      redirectUrl: `${ssoPaths(provider.id).login}?${hint}`,
    };
  });

  app.get<{ Params: { providerId: string } }>(
    '/api/auth/sso/:providerId/login',
    forBrowser(async (request, reply) => {
      const provider = await loginProvider(request.params.providerId);
      const query = loginQuery.parse(request.query ?? {});
      if (provider.type === 'saml') {
        const url = await loginRedirectUrl(
          db,
          provider.id,
          provider.settings,
          spEndpoints(services, request, provider.id),
          '',
        );
        return reply.code(302).header('location', url).header('cache-control', 'no-store').send();
      }
      const { codeVerifier, nonce } = newPkce();
      const login = await createLoginState(db, provider.id, codeVerifier, nonce);
      const url = await authorizationUrl(provider.settings, fetch, {
        redirectUri: `${baseUrl(services, request)}${ssoPaths(provider.id).oidcCallback}`,
        state: login.state,
        nonce,
        codeVerifier,
        ...(query.login_hint ? { loginHint: query.login_hint } : {}),
      });
      const cookie = [
        `${stateCookie}=${login.browserSecret}`,
        'Path=/api/auth/sso',
        'HttpOnly',
        'SameSite=Lax',
        `Max-Age=${Math.floor(loginStateTtlMs / 1000)}`,
        ...(wantsSecureCookies(services, request) ? ['Secure'] : []),
      ].join('; ');
      return reply
        .code(302)
        .header('location', url)
        .header('set-cookie', cookie)
        .header('cache-control', 'no-store')
        .send();
    }),
  );

  app.get<{ Params: { providerId: string } }>(
    '/api/auth/sso/:providerId/callback',
    forBrowser(async (request, reply) => {
      const provider = await loginProvider(request.params.providerId);
      if (provider.type !== 'oidc') throw new GatewayError('not_found');
      const { state } = callbackQuery.parse(request.query ?? {});
      const fail = (why: string): never => {
        throw new GatewayError('sso_failed', { message: `Single sign-on failed: ${why}.` });
      };
      if (!state) fail('the callback carries no state');
      const stored = await consumeLoginState(db, provider.id, state!);
      if (!stored) return fail('unknown, expired or already used state');
      const browserSecret = readCookie(request.headers.cookie, stateCookie);
      if (!browserSecret || !sameSecret(sha256(browserSecret), stored.browserHash))
        fail('this login was started in another browser');
      const base = baseUrl(services, request);
      const callbackUrl = new URL(request.url, base);
      const identity = await completeLogin(provider.settings, fetch, {
        callbackUrl,
        state: state!,
        nonce: stored.nonce,
        codeVerifier: stored.codeVerifier,
      });
      const user = await signInFederated(db, provider, identity, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      await startSession(services, request, reply, user.id);
      reply.header('set-cookie', [
        reply.getHeader('set-cookie') as string,
        `${stateCookie}=; Path=/api/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0`,
      ]);
      return reply.code(303).header('location', '/').send();
    }),
  );

  app.get<{ Params: { providerId: string } }>(
    '/api/auth/sso/:providerId/metadata',
    async (request, reply) => {
      const provider = await loginProvider(request.params.providerId);
      if (provider.type !== 'saml') throw new GatewayError('not_found');
      const xml = await spMetadata(
        db,
        provider.id,
        provider.settings,
        spEndpoints(services, request, provider.id),
      );
      return reply.type('application/samlmetadata+xml').send(xml);
    },
  );

  app.register(async (acs) => {
    acs.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 2_000_000 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    acs.post<{ Params: { providerId: string } }>(
      '/api/auth/sso/:providerId',
      forBrowser(async (request, reply) => {
        const provider = await loginProvider(request.params.providerId);
        if (provider.type !== 'saml') throw new GatewayError('not_found');
        const body = acsBody.safeParse(request.body);
        if (!body.success)
          throw new GatewayError('invalid_request', {
            param: 'SAMLResponse',
            message: 'Missing SAMLResponse.',
          });
        const identity = await acceptResponse(
          db,
          provider.id,
          provider.settings,
          spEndpoints(services, request, provider.id),
          body.data.SAMLResponse,
        );
        const user = await signInFederated(db, provider, identity, {
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        });
        await startSession(services, request, reply, user.id);
        return reply.code(303).header('location', '/').send();
      }),
    );
  });
}
