import type { HttpClient, RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import type {
  ApiKey,
  ApiKeyCreateParams,
  ApiKeyDetail,
  ApiKeyUpdateParams,
  Checkout,
  CreatedApiKey,
  CreditBalance,
  LedgerEntry,
  LedgerPage,
  Payment,
  PaymentPage,
  RedeemResult,
  SessionInfo,
  SsoDiscovery,
  TopUpOffer,
  UsageAnalytics,
  UsageFilterParams,
  UsageParams,
} from '../types/account.ts';
import { AuditTrail } from './audit.ts';
import { Orgs } from './orgs.ts';
import { Resource, segment } from './resource.ts';

/*
 * The account API (`/api/...`) is the dashboard's: it authenticates with the signed-in
 * session cookie (and a CSRF token on changes), not with a ck_ key. In a browser on the
 * gateway's origin the browser's cookie is used; elsewhere call `client.auth.login()` first
 * (or pass `session: { cookie }`).
 */

export class Auth extends Resource {
  /** Signs in with email and password; the SDK keeps the session for the account calls. */
  async login(
    params: { email: string; password: string },
    options: RequestOptions = {},
  ): Promise<SessionInfo> {
    const answer = await this.http.json<SessionInfo>(
      { method: 'POST', path: '/api/auth/login', json: params, auth: 'session', noCsrf: true },
      options,
    );
    this.http.config.session.csrfToken = answer.csrfToken;
    return answer;
  }

  /** The signed-in user (and the session's CSRF token). */
  async session(options: RequestOptions = {}): Promise<SessionInfo> {
    const answer = await this.http.json<SessionInfo>(
      { method: 'GET', path: '/api/auth/session', auth: 'session' },
      options,
    );
    this.http.config.session.csrfToken = answer.csrfToken;
    return answer;
  }

  /** Uses a CSRF token you already have (from a login answer or `session()`), instead of fetching one. */
  setCsrfToken(token: string | null): void {
    this.http.config.session.csrfToken = token;
  }

  /** Changes your password; your other sessions are signed out. */
  async changePassword(
    params: { currentPassword: string; newPassword: string },
    options: RequestOptions = {},
  ): Promise<void> {
    await this.http.json(
      { method: 'POST', path: '/api/auth/password', json: params, auth: 'session' },
      options,
    );
  }

  /**
   * Whether `email`'s domain signs in with its org's SSO, and where to send the browser. The
   * gateway accepts it from its own origin only (a browser on the dashboard's page).
   */
  ssoDiscover(email: string, options: RequestOptions = {}): Promise<SsoDiscovery> {
    return this.http.json(
      { method: 'POST', path: '/api/auth/sso/discover', json: { email }, auth: 'session', noCsrf: true },
      options,
    );
  }

  async logout(options: RequestOptions = {}): Promise<void> {
    await this.http.json({ method: 'POST', path: '/api/auth/logout', auth: 'session' }, options);
    this.http.config.session.cookie = null;
    this.http.config.session.csrfToken = null;
  }
}

/** Your API keys (`/api/api-keys`). */
export class Keys extends Resource {
  async list(options: RequestOptions = {}): Promise<ApiKey[]> {
    const page = await this.http.json<{ data: ApiKey[] }>(
      { method: 'GET', path: '/api/api-keys', auth: 'session' },
      options,
    );
    return page.data;
  }

  /** A new key; its secret `key` is in this answer only. `spendingLimit` is credits per month. */
  create(params: ApiKeyCreateParams, options: RequestOptions = {}): Promise<CreatedApiKey> {
    return this.http.json<CreatedApiKey>(
      { method: 'POST', path: '/api/api-keys', json: params, auth: 'session' },
      options,
    );
  }

  get(id: string, options: RequestOptions = {}): Promise<ApiKeyDetail> {
    return this.http.json<ApiKeyDetail>(
      { method: 'GET', path: `/api/api-keys/${segment(id)}`, auth: 'session' },
      options,
    );
  }

  update(id: string, params: ApiKeyUpdateParams, options: RequestOptions = {}): Promise<ApiKeyDetail> {
    return this.http.json<ApiKeyDetail>(
      { method: 'PATCH', path: `/api/api-keys/${segment(id)}`, json: params, auth: 'session' },
      options,
    );
  }

  /** Revokes the key for good. */
  revoke(id: string, options: RequestOptions = {}): Promise<ApiKeyDetail> {
    return this.http.json<ApiKeyDetail>(
      { method: 'DELETE', path: `/api/api-keys/${segment(id)}`, auth: 'session' },
      options,
    );
  }

  /** Re-enables a key its spending limit (or you) disabled. */
  enable(id: string, options: RequestOptions = {}): Promise<ApiKeyDetail> {
    return this.http.json<ApiKeyDetail>(
      { method: 'POST', path: `/api/api-keys/${segment(id)}/enable`, auth: 'session' },
      options,
    );
  }
}

/** Your request log (`/api/api-usage`): analytics and the CSV export. */
export class Usage extends Resource {
  analytics(params: UsageParams = {}, options: RequestOptions = {}): Promise<UsageAnalytics> {
    return this.http.json<UsageAnalytics>(
      { method: 'GET', path: '/api/api-usage', query: { ...params }, auth: 'session' },
      options,
    );
  }

  /** The whole filtered log as CSV text (`hypereal-usage-YYYY-MM-DD.csv` in the dashboard). */
  exportCsv(params: UsageFilterParams = {}, options: RequestOptions = {}): Promise<string> {
    return this.http.text(
      {
        method: 'GET',
        path: '/api/api-usage/export',
        query: { ...params },
        auth: 'session',
        accept: 'text/csv',
      },
      options,
    );
  }
}

/** Balance, ledger, codes and card top-ups (`/api/credits`). */
export class Credits extends Resource {
  balance(options: RequestOptions = {}): Promise<CreditBalance> {
    return this.http.json<CreditBalance>({ method: 'GET', path: '/api/credits', auth: 'session' }, options);
  }

  /** Ledger entries, newest first; `for await` walks every page. */
  ledger(params: { limit?: number } = {}, options: RequestOptions = {}): PagePromise<LedgerEntry> {
    return cursorPages<LedgerEntry, string>(async (before) => {
      const page = await this.http.json<LedgerPage>(
        {
          method: 'GET',
          path: '/api/credits/ledger',
          query: { limit: params.limit, before },
          auth: 'session',
        },
        options,
      );
      return { data: page.data, next: page.nextBefore };
    });
  }

  redeem(code: string, options: RequestOptions = {}): Promise<RedeemResult> {
    return this.http.json<RedeemResult>(
      { method: 'POST', path: '/api/credits/redeem', json: { code }, auth: 'session' },
      options,
    );
  }

  /** Whether card top-ups are on, and their bounds and presets (credits). */
  topUps(options: RequestOptions = {}): Promise<TopUpOffer> {
    return this.http.json<TopUpOffer>(
      { method: 'GET', path: '/api/credits/topups', auth: 'session' },
      options,
    );
  }

  /** Opens a Stripe Checkout for `amount` credits; send the browser to `url`. */
  checkout(amount: number, options: RequestOptions = {}): Promise<Checkout> {
    return this.http.json<Checkout>(
      { method: 'POST', path: '/api/credits/checkout', json: { amount }, auth: 'session' },
      options,
    );
  }

  payments(params: { limit?: number } = {}, options: RequestOptions = {}): PagePromise<Payment> {
    return cursorPages<Payment, string>(async (before) => {
      const page = await this.http.json<PaymentPage>(
        {
          method: 'GET',
          path: '/api/credits/payments',
          query: { limit: params.limit, before },
          auth: 'session',
        },
        options,
      );
      return { data: page.data, next: page.nextBefore };
    });
  }
}

export type AccountResources = {
  auth: Auth;
  keys: Keys;
  usage: Usage;
  credits: Credits;
  orgs: Orgs;
  audit: AuditTrail;
};

export function accountResources(http: HttpClient): AccountResources {
  return {
    auth: new Auth(http),
    keys: new Keys(http),
    usage: new Usage(http),
    credits: new Credits(http),
    orgs: new Orgs(http),
    /** Your personal audit trail (`/api/audit`): your keys, credits and account actions. */
    audit: new AuditTrail(http, '/api/audit'),
  };
}
