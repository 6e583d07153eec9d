import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { sessionAuth } from '../session-auth.ts';
import { registerLoginRoute, registerSessionRoutes } from './account-auth.ts';
import { registerCreditRoutes } from './account-credits.ts';
import { registerAccountFileRoutes } from './account-files.ts';
import { registerAccountGpuRoutes } from './account-gpu.ts';
import { registerAccountJobRoutes } from './account-jobs.ts';
import { registerKeyRoutes } from './account-keys.ts';
import { registerTopUpRoutes } from './account-topups.ts';
import { registerUsageRoutes } from './account-usage.ts';
import { registerPersonalAuditRoutes } from './audit.ts';
import { registerOrgSsoRoutes } from './org-sso.ts';
import { registerOrgRoutes } from './orgs.ts';
import { registerSsoLoginRoutes } from './sso-login.ts';

/** The dashboard's JSON API under /api (docs/account-api.md): session cookie, CSRF token. */
export function registerAccountRoutes(app: FastifyInstance, services: Services): void {
  registerLoginRoute(app, services);
  registerSsoLoginRoutes(app, services);
  app.register(async (account) => {
    account.addHook('onRequest', sessionAuth(services));
    registerSessionRoutes(account, services);
    registerKeyRoutes(account, services);
    registerUsageRoutes(account, services);
    registerCreditRoutes(account, services);
    registerTopUpRoutes(account, services);
    registerAccountJobRoutes(account, services);
    registerAccountFileRoutes(account, services);
    registerAccountGpuRoutes(account, services);
    registerPersonalAuditRoutes(account, services);
    registerOrgRoutes(account, services, [registerOrgSsoRoutes]);
  });
}
