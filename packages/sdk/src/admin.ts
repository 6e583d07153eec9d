import { resolveBaseURL } from './core/base-url.ts';
import { HttpClient } from './core/http.ts';
import { SessionState } from './core/session.ts';
import { AdminGpuWorkerTokens, AdminRedeemCodes, AdminUsers } from './resources/admin.ts';

export interface AdminOptions {
  /** The operator token (`HYPEREAL_ADMIN_TOKEN` on the gateway); defaults to that variable where `process.env` exists. */
  adminToken?: string;
  /** The gateway's root URL; else `HYPEREAL_BASE_URL`, else `http://localhost:8080`. */
  baseURL?: string;
  timeout?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
  defaultHeaders?: Record<string, string>;
}

function envAdminToken(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.['HYPEREAL_ADMIN_TOKEN'] || undefined;
}

/**
 * The operator API (`/admin/...`), authenticated with the admin token instead of a `ck_` key;
 * same retries, timeouts and typed errors as `Hypereal`. Keep it on servers: the token is root.
 */
export class Admin {
  readonly baseURL: string;
  readonly users: AdminUsers;
  readonly redeemCodes: AdminRedeemCodes;
  readonly gpuWorkerTokens: AdminGpuWorkerTokens;

  constructor(options: AdminOptions = {}) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new Error('No fetch: pass { fetch } on this runtime.');
    this.baseURL = resolveBaseURL(options.baseURL);
    const http = new HttpClient({
      baseURL: this.baseURL,
      apiKey: options.adminToken ?? envAdminToken(),
      timeout: options.timeout ?? 600_000,
      maxRetries: options.maxRetries ?? 2,
      fetch: fetchImpl,
      defaultHeaders: options.defaultHeaders ?? {},
      session: new SessionState({}),
    });
    this.users = new AdminUsers(http);
    this.redeemCodes = new AdminRedeemCodes(http);
    this.gpuWorkerTokens = new AdminGpuWorkerTokens(http);
  }
}
