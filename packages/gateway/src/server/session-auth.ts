import type { FastifyRequest } from 'fastify';
import { findSession, sessionCookie } from '../accounts/index.ts';
import { GatewayError } from '../errors/index.ts';
import { readCookie } from './cookies.ts';
import { sameSecret } from './same-secret.ts';
import type { Services } from './services.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * onRequest for the account API: a valid session cookie, and on every state-changing
 * call the session's CSRF token in `x-csrf-token` plus, when the browser sends one, an
 * Origin of this very host. A cross-site page can make the browser send the cookie,
 * but it can neither read the token nor forge the Origin.
 */
export function sessionAuth(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    const id = readCookie(request.headers.cookie, sessionCookie);
    const session = id ? await findSession(services.db, id) : null;
    if (!session)
      throw new GatewayError('not_signed_in', { message: 'Not signed in (or the session expired).' });
    if (!safeMethods.has(request.method)) {
      const token = request.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameSecret(token, session.csrfToken)) {
        throw new GatewayError('csrf_failed');
      }
      assertSameOrigin(request);
    }
    request.hypereal.session = session;
  };
}

export function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new GatewayError('csrf_failed', { message: 'Cross-origin request refused.' });
  }
  if (host !== request.headers.host)
    throw new GatewayError('csrf_failed', { message: 'Cross-origin request refused.' });
}

/** Behind a TLS-terminating proxy `publicUrl` says https even though this hop is plain HTTP. */
export function wantsSecureCookies(services: Services, request: FastifyRequest): boolean {
  return request.protocol === 'https' || (services.config.publicUrl?.startsWith('https://') ?? false);
}
