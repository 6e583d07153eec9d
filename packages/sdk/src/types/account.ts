/**
 * The account API under `/api/...` (the dashboard's): it takes a signed-in session, not a
 * `ck_` key. Times are epoch milliseconds; amounts are credits (100 credits = $1).
 */
export interface SessionUser {
  id: string;
  email: string;
  plan: string;
}

export interface SessionInfo {
  user: SessionUser;
  csrfToken: string;
}

export type ApiKeyState = 'active' | 'disabled' | 'revoked' | 'expired' | (string & {});

export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it (the secret is never shown again). */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  /** Credits per calendar month, or null for no limit. */
  spendingLimit: number | null;
  autoDisable: boolean;
  monthToDateSpend: number;
  state: ApiKeyState;
}

export interface ApiKeyDetail extends ApiKey {
  webhookUrl: string | null;
}

/** A new key: `key` is the secret `ck_…`, shown only in this answer. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface ApiKeyCreateParams {
  name: string;
  spendingLimit?: number | null;
  autoDisable?: boolean;
}

export interface ApiKeyUpdateParams {
  name?: string;
  spendingLimit?: number | null;
  autoDisable?: boolean;
  disabled?: boolean;
  webhookUrl?: string | null;
}

export interface UsageFilterParams {
  /** The last N days (1–365, default 30). */
  days?: number;
  endpoint?: string;
  model?: string;
  /** A status code (429) or class (4xx). */
  status?: string;
  keyId?: string;
  q?: string;
}

export interface UsageParams extends UsageFilterParams {
  limit?: number;
  offset?: number;
}

export interface UsageLog {
  id: string;
  createdAt: number;
  endpoint: string;
  model: string | null;
  provider: string | null;
  status: number;
  stream: boolean;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  images: number;
  imageTier: string | null;
  cost: number;
  keyId: string | null;
  keyName: string | null;
  errorMessage: string | null;
}

export interface UsageAnalytics {
  logs: UsageLog[];
  total: number;
  limit: number;
  offset: number;
  costByModel: Array<{ model: string | null; cost: number; requests: number }>;
  topExpensiveRequests: UsageLog[];
  dailyCost: Array<{ date: string; cost: number; requests: number }>;
}

export interface CreditBalance {
  balance: number;
  held: number;
  available: number;
}

export interface LedgerEntry {
  id: string;
  amount: number;
  balanceAfter: number;
  kind: string;
  description: string | null;
  requestId: string | null;
  paymentId: string | null;
  createdAt: number;
}

export interface LedgerPage {
  data: LedgerEntry[];
  nextBefore: string | null;
}

export interface RedeemResult {
  credits: number;
  balance: number;
}

export interface TopUpOffer {
  enabled: boolean;
  currency: string;
  minimum: number;
  maximum: number;
  presets: number[];
}

export interface Checkout {
  paymentId: string;
  /** Stripe Checkout's page: send the browser there. */
  url: string;
}

export interface Payment {
  id: string;
  provider: string;
  status: string;
  credits: number;
  amount: number;
  currency: string;
  refunded: number;
  creditsClawedBack: number;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  ledgerEntryId: string | null;
  createdAt: number;
  paidAt: number | null;
}

export interface PaymentPage {
  data: Payment[];
  nextBefore: string | null;
}

export interface Org {
  id: string;
  slug: string;
  name: string;
  role: 'owner' | 'admin' | 'developer' | 'billing' | 'viewer' | (string & {});
}

/** `POST /api/auth/sso/discover`. */
export type SsoDiscovery =
  | { sso: false }
  | { sso: true; type: 'oidc' | 'saml'; providerId: string; ssoOnly: boolean; redirectUrl: string };
