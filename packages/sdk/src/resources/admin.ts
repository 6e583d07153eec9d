import type { RequestOptions } from '../core/http.ts';
import type {
  AdminCreatedKey,
  AdminCreditParams,
  AdminCreditResult,
  AdminKey,
  AdminRedeemCodeParams,
  AdminUser,
  AdminUserCreateParams,
  GpuWorkerToken,
} from '../types/admin.ts';
import { Resource, segment } from './resource.ts';

const userPath = (user: string, tail = '') => `/admin/users/${segment(user)}${tail}`;

/** Users by id or email (`/admin/users`): create, look up, credits, password, rate limit, keys. */
export class AdminUsers extends Resource {
  create(params: AdminUserCreateParams, options: RequestOptions = {}): Promise<AdminUser> {
    return this.http.json({ method: 'POST', path: '/admin/users', json: params }, options);
  }

  get(user: string, options: RequestOptions = {}): Promise<AdminUser> {
    return this.http.json({ method: 'GET', path: userPath(user) }, options);
  }

  credit(user: string, params: AdminCreditParams, options: RequestOptions = {}): Promise<AdminCreditResult> {
    return this.http.json({ method: 'POST', path: userPath(user, '/credits'), json: params }, options);
  }

  async setPassword(user: string, password: string, options: RequestOptions = {}): Promise<void> {
    await this.http.json({ method: 'PUT', path: userPath(user, '/password'), json: { password } }, options);
  }

  /** Requests per minute for this user; null restores the plan's limit. */
  setRateLimit(user: string, rpm: number | null, options: RequestOptions = {}): Promise<AdminUser> {
    return this.http.json({ method: 'PUT', path: userPath(user, '/rate-limit'), json: { rpm } }, options);
  }

  async listKeys(user: string, options: RequestOptions = {}): Promise<AdminKey[]> {
    const page = await this.http.json<{ data: AdminKey[] }>(
      { method: 'GET', path: userPath(user, '/keys') },
      options,
    );
    return page.data;
  }

  createKey(
    user: string,
    params: { name?: string; spendingLimit?: number | null; autoDisable?: boolean } = {},
    options: RequestOptions = {},
  ): Promise<AdminCreatedKey> {
    return this.http.json({ method: 'POST', path: userPath(user, '/keys'), json: params }, options);
  }

  revokeKey(
    user: string,
    keyId: string,
    options: RequestOptions = {},
  ): Promise<{ id: string; revoked: true }> {
    return this.http.json({ method: 'DELETE', path: userPath(user, `/keys/${segment(keyId)}`) }, options);
  }
}

/** Tokens self-hosted GPU workers register with (`/admin/gpu-workers/tokens`). */
export class AdminGpuWorkerTokens extends Resource {
  /** A new token; its `gwt_` secret is in this answer only. */
  create(name: string, options: RequestOptions = {}): Promise<GpuWorkerToken & { token: string }> {
    return this.http.json({ method: 'POST', path: '/admin/gpu-workers/tokens', json: { name } }, options);
  }

  async list(options: RequestOptions = {}): Promise<GpuWorkerToken[]> {
    const page = await this.http.json<{ data: GpuWorkerToken[] }>(
      { method: 'GET', path: '/admin/gpu-workers/tokens' },
      options,
    );
    return page.data;
  }

  revoke(id: string, options: RequestOptions = {}): Promise<{ id: string; revoked: true }> {
    return this.http.json({ method: 'DELETE', path: `/admin/gpu-workers/tokens/${segment(id)}` }, options);
  }
}

/** Redeem codes (`/admin/redeem-codes`). */
export class AdminRedeemCodes extends Resource {
  create(
    params: AdminRedeemCodeParams,
    options: RequestOptions = {},
  ): Promise<{ credits: number; codes: string[] }> {
    return this.http.json({ method: 'POST', path: '/admin/redeem-codes', json: params }, options);
  }
}
