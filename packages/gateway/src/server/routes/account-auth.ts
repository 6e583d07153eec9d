import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  checkCurrentPassword,
  createSession,
  deleteOtherSessions,
  deleteSession,
  findSession,
  type Session,
  sessionCookie,
  setPassword,
  throttleRules,
  verifyLogin,
} from '../../accounts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { emailDomain, providerForDomain } from '../../sso/index.ts';
import { auditRequest } from '../audit-context.ts';
import { readCookie, sessionCookieHeader } from '../cookies.ts';
import type { Services } from '../services.ts';
import { assertSameOrigin, wantsSecureCookies } from '../session-auth.ts';
import { validateBody } from '../validate-body.ts';

const loginSchema = z
  .object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) })
  .strict();
const passwordSchema = z
  .object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().max(1024) })
  .strict();
const sessionMaxAgeSeconds = 7 * 24 * 3600;

const userView = (session: Pick<Session, 'userId' | 'email' | 'plan'>) => ({
  id: session.userId,
  email: session.email,
  plan: session.plan,
});

/** POST /api/auth/login: the only account call without a session. */
export function registerLoginRoute(app: FastifyInstance, services: Services): void {
  const { db, throttle } = services;
  app.post('/api/auth/login', async (request, reply) => {
    assertSameOrigin(request);
    const input = validateBody(loginSchema, request);
    const email = input.email.trim().toLowerCase();
    const subjects = [
      { rule: throttleRules.loginPerEmail, subject: email },
      { rule: throttleRules.loginPerIp, subject: request.ip },
    ];
    await throttle.check(subjects);
    const claimed = await providerForDomain(db, emailDomain(email));
    if (claimed?.ssoOnly)
      throw new GatewayError('sso_required', {
        param: 'email',
        message: `${emailDomain(email)} signs in through its organisation's single sign-on only: use POST /api/auth/sso/discover.`,
      });
    const user = await verifyLogin(db, email, input.password);
    if (!user) {
      await throttle.fail(subjects);
      throw new GatewayError('invalid_credentials', { message: 'Wrong email or password.' });
    }
    const session = await startSession(services, request, reply, user.id);
    return {
      user: userView({ userId: user.id, email: user.email, plan: user.plan }),
      csrfToken: session.csrfToken,
    };
  });
}

/** A fresh dashboard session for a user who just proved who they are (password or SSO). */
export async function startSession(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
): Promise<{ id: string; csrfToken: string }> {
  // Never promote a session id the browser arrived with (it may have been planted): end it, issue a new one.
  const previous = readCookie(request.headers.cookie, sessionCookie);
  const stale = previous ? await findSession(services.db, previous) : null;
  if (stale) await deleteSession(services.db, stale.idHash);
  const session = await createSession(services.db, userId);
  setSessionCookie(services, request, reply, session.id, sessionMaxAgeSeconds);
  return session;
}

/** Session routes behind sessionAuth. */
export function registerSessionRoutes(app: FastifyInstance, services: Services): void {
  const { db, throttle } = services;
  app.get('/api/auth/session', async (request) => {
    const session = request.hypereal.session!;
    return { user: userView(session), csrfToken: session.csrfToken };
  });
  app.post('/api/auth/logout', async (request, reply) => {
    await deleteSession(db, request.hypereal.session!.idHash);
    setSessionCookie(services, request, reply, '', 0);
    reply.code(204).send();
  });
  app.post('/api/auth/password', async (request, reply) => {
    const session = request.hypereal.session!;
    const input = validateBody(passwordSchema, request);
    const subjects = [{ rule: throttleRules.loginPerEmail, subject: session.email }];
    await throttle.check(subjects);
    if (!(await checkCurrentPassword(db, session.userId, input.currentPassword))) {
      await throttle.fail(subjects);
      throw new GatewayError('invalid_credentials', {
        param: 'currentPassword',
        message: 'The current password is wrong.',
      });
    }
    await setPassword(db, session.userId, input.newPassword);
    await deleteOtherSessions(db, session.userId, session.idHash);
    await auditRequest(services, request, {
      scope: { userId: session.userId },
      action: 'account.password_changed',
      targetType: 'user',
      targetId: session.userId,
      after: { otherSessionsSignedOut: true },
    });
    reply.code(204).send();
  });
}

function setSessionCookie(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.header(
    'set-cookie',
    sessionCookieHeader(sessionCookie, value, {
      maxAgeSeconds,
      secure: wantsSecureCookies(services, request),
    }),
  );
  reply.header('cache-control', 'no-store');
}
