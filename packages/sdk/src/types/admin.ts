/** Operator API (`/admin/...`) shapes. Credits are decimal strings here, as the gateway formats them. */
export interface AdminUser {
  id: string;
  email: string;
  plan: string;
  rateLimitRpm: number | null;
  balanceCredits: string;
  availableCredits: string;
}

export interface AdminUserCreateParams {
  email: string;
  plan?: string;
  password?: string;
}

export interface AdminCreditParams {
  /** Credits; a `grant` is a top-up, an `adjustment` any other correction (needs a `note`). */
  credits: number;
  note?: string;
  kind?: 'grant' | 'adjustment';
}

export interface AdminCreditResult {
  ledgerEntryId: string;
  kind: string;
  balanceCredits: string;
}

export interface AdminRedeemCodeParams {
  credits: number;
  count?: number;
  note?: string;
  /** Epoch milliseconds, or null for never. */
  expiresAt?: number | null;
}

export interface AdminKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revoked: boolean;
}

export interface AdminCreatedKey {
  id: string;
  name: string;
  prefix: string;
  /** The `ck_` secret, shown once. */
  key: string;
}

export interface GpuWorkerToken {
  id: string;
  object: 'gpu.worker_token';
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
