import type { Database } from './types.ts';

/**
 * Portable schema: TEXT ids, BIGINT integer amounts (micro-credits) and epoch-ms
 * timestamps, so one set of statements runs on SQLite and PostgreSQL alike.
 * Append new migrations; never edit one that has shipped.
 */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: 'accounts, keys, ledger, holds, request log',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  plan TEXT NOT NULL DEFAULT 'default',
  rate_limit_rpm INTEGER,
  balance_micro BIGINT NOT NULL DEFAULT 0,
  held_micro BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  CHECK (held_micro >= 0)
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  expires_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE TABLE ledger_entries (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  amount_micro BIGINT NOT NULL,
  balance_after_micro BIGINT NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT,
  hold_id TEXT,
  description TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_user ON ledger_entries (user_id, created_at);
CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  key_id TEXT,
  request_id TEXT NOT NULL,
  amount_micro BIGINT NOT NULL,
  charged_micro BIGINT,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  closed_at BIGINT
);
CREATE INDEX holds_open ON holds (status, created_at);
CREATE TABLE request_logs (
  id TEXT PRIMARY KEY,
  user_id TEXT,
  key_id TEXT,
  endpoint TEXT NOT NULL,
  model TEXT,
  provider TEXT,
  upstream_model TEXT,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  usage_source TEXT,
  cost_micro BIGINT NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX request_logs_user_time ON request_logs (user_id, created_at);
CREATE INDEX request_logs_key_time ON request_logs (key_id, created_at);
`,
  },
  {
    version: 2,
    name: 'request log: upstream answer ids',
    sql: `
ALTER TABLE request_logs ADD COLUMN response_id TEXT;
CREATE INDEX request_logs_response ON request_logs (response_id)
`,
  },
  {
    version: 3,
    name: 'upstream attempts per request',
    sql: `
CREATE TABLE request_attempts (
  request_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status INTEGER,
  latency_ms INTEGER NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY (request_id, attempt)
)
`,
  },
  {
    version: 4,
    name: 'request log: which catalog rule resolved the model',
    sql: `ALTER TABLE request_logs ADD COLUMN model_rule TEXT`,
  },
  {
    version: 5,
    name: 'passwords, sessions, sign-in throttle, key spending limits, redeem codes, usage indexes',
    sql: `
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE api_keys ADD COLUMN spending_limit_micro BIGINT;
ALTER TABLE api_keys ADD COLUMN auto_disable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN disabled_at BIGINT;
ALTER TABLE api_keys ADD COLUMN disabled_reason TEXT;
ALTER TABLE api_keys ADD COLUMN disabled_month TEXT;
ALTER TABLE holds ADD COLUMN key_month TEXT;
CREATE TABLE key_budgets (
  key_id TEXT NOT NULL,
  month TEXT NOT NULL,
  spent_micro BIGINT NOT NULL DEFAULT 0,
  held_micro BIGINT NOT NULL DEFAULT 0,
  alerted_80 INTEGER NOT NULL DEFAULT 0,
  alerted_100 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, month),
  CHECK (held_micro >= 0)
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE auth_failures (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX auth_failures_subject ON auth_failures (scope, subject, created_at);
CREATE TABLE redeem_codes (
  id TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE,
  amount_micro BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  redeemed_by TEXT,
  redeemed_at BIGINT
);
CREATE INDEX request_logs_user_cost ON request_logs (user_id, cost_micro);
CREATE INDEX request_logs_user_time_cover ON request_logs (user_id, created_at, model, cost_micro, status, key_id);
DROP INDEX request_logs_user_time
`,
  },
  {
    version: 6,
    name: 'files (uploads and generated media)',
    sql: `
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  storage_backend TEXT NOT NULL,
  storage_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX files_user_kind ON files (user_id, kind, id);
CREATE INDEX files_user ON files (user_id, id)
`,
  },
  {
    version: 7,
    name: 'request log: images returned and their price tier',
    sql: `
ALTER TABLE request_logs ADD COLUMN image_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_logs ADD COLUMN image_tier TEXT
`,
  },
  {
    version: 8,
    name: 'payments (Stripe Checkout top-ups), processed payment events, ledger links to payments',
    sql: `
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  credits_micro BIGINT NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  refunded_minor BIGINT NOT NULL DEFAULT 0,
  clawed_back_micro BIGINT NOT NULL DEFAULT 0,
  checkout_session_id TEXT UNIQUE,
  payment_intent_id TEXT,
  ledger_entry_id TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  paid_at BIGINT,
  CHECK (amount_minor > 0 AND credits_micro > 0)
);
CREATE INDEX payments_user ON payments (user_id, created_at);
CREATE INDEX payments_intent ON payments (payment_intent_id);
CREATE TABLE payment_events (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  payment_id TEXT,
  object_id TEXT,
  amount_minor BIGINT,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX payment_events_object ON payment_events (provider, object_id);
ALTER TABLE ledger_entries ADD COLUMN payment_id TEXT;
CREATE UNIQUE INDEX ledger_entries_one_topup ON ledger_entries (payment_id) WHERE kind = 'topup'
`,
  },
  {
    version: 9,
    name: 'hold leases: a live request renews its hold, the sweep releases only expired ones',
    sql: `
ALTER TABLE holds ADD COLUMN lease_until BIGINT;
ALTER TABLE holds ADD COLUMN endpoint TEXT;
CREATE INDEX holds_lease ON holds (status, lease_until)
`,
  },
  {
    version: 10,
    name: "request log: a key's month-to-date spend read from an index",
    sql: `
CREATE INDEX request_logs_key_spend ON request_logs (key_id, created_at, cost_micro);
DROP INDEX request_logs_key_time
`,
  },
  {
    version: 11,
    name: 'durable jobs (video, later GPU): one table, leased by workers; job-owned holds; webhooks',
    sql: `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  key_id TEXT,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  state TEXT NOT NULL,
  progress INTEGER,
  input TEXT NOT NULL,
  provider TEXT,
  upstream_model TEXT,
  vendor_task_id TEXT,
  hold_id TEXT NOT NULL,
  hold_micro BIGINT NOT NULL,
  cost_micro BIGINT,
  outputs TEXT,
  error_code TEXT,
  error_message TEXT,
  idempotency_key TEXT,
  webhook_url TEXT,
  polls INTEGER NOT NULL DEFAULT 0,
  next_poll_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  deadline_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT,
  outputs_deleted_at BIGINT
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_due ON jobs (state, next_poll_at);
CREATE INDEX jobs_owner ON jobs (user_id, id);
ALTER TABLE holds ADD COLUMN job_id TEXT;
ALTER TABLE api_keys ADD COLUMN webhook_url TEXT;
CREATE TABLE webhook_secrets (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  job_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_status INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_job ON webhook_deliveries (user_id, job_id)
`,
  },
  {
    version: 12,
    name: 'audio: voice clone models created on the vendor, per user and reference audio',
    sql: `
CREATE TABLE audio_voice_clones (
  user_id TEXT NOT NULL REFERENCES users(id),
  provider TEXT NOT NULL,
  reference_sha256 TEXT NOT NULL,
  voice_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, provider, reference_sha256)
)
`,
  },
  {
    version: 14,
    name: 'organisations: members, invitations, org wallets (ledger and holds name their wallet), org keys, audit log',
    sql: `
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  balance_micro BIGINT NOT NULL DEFAULT 0,
  held_micro BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  deleted_at BIGINT,
  CHECK (held_micro >= 0)
);
CREATE TABLE org_members (
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);
CREATE UNIQUE INDEX org_members_one_owner ON org_members (org_id) WHERE role = 'owner';
CREATE TABLE org_invitations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  invited_by TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  responded_at BIGINT
);
CREATE INDEX org_invitations_org ON org_invitations (org_id, status);
ALTER TABLE api_keys ADD COLUMN org_id TEXT REFERENCES orgs(id);
CREATE INDEX api_keys_org ON api_keys (org_id);
ALTER TABLE ledger_entries ADD COLUMN org_id TEXT REFERENCES orgs(id);
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, created_at);
ALTER TABLE holds ADD COLUMN org_id TEXT;
ALTER TABLE request_logs ADD COLUMN org_id TEXT;
CREATE INDEX request_logs_org_time ON request_logs (org_id, created_at);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT,
  user_id TEXT,
  actor_id TEXT,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  before_json TEXT,
  after_json TEXT,
  ip TEXT,
  user_agent TEXT,
  created_at BIGINT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_user ON audit_log (user_id, seq)
`,
  },
  {
    version: 15,
    name: 'single sign-on: OIDC and SAML providers per org, email-domain claims, login states, SAML replay cache',
    sql: `
CREATE TABLE sso_providers (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  domain TEXT NOT NULL,
  settings TEXT NOT NULL,
  sso_only INTEGER NOT NULL DEFAULT 0,
  jit_role TEXT NOT NULL DEFAULT 'viewer',
  domain_token TEXT NOT NULL,
  domain_verified_at BIGINT,
  domain_verified_by TEXT,
  checked_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (type IN ('oidc', 'saml'))
);
CREATE UNIQUE INDEX sso_providers_org_domain ON sso_providers (org_id, domain);
CREATE UNIQUE INDEX sso_providers_claimed_domain ON sso_providers (domain) WHERE domain_verified_at IS NOT NULL;
CREATE TABLE sso_login_states (
  state_hash TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL,
  browser_hash TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  nonce TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sso_login_states_expiry ON sso_login_states (expires_at);
CREATE TABLE saml_requests (
  request_id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE saml_assertions_seen (
  provider_id TEXT NOT NULL,
  assertion_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (provider_id, assertion_id)
)
`,
  },
  {
    version: 16,
    name: 'self-hosted GPU workers: operator tokens, registered workers, the task queue they pull from',
    sql: `
CREATE TABLE gpu_worker_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE gpu_workers (
  id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL REFERENCES gpu_worker_tokens(id),
  name TEXT NOT NULL,
  image TEXT,
  serves TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  CHECK (state IN ('live', 'dead'))
);
CREATE INDEX gpu_workers_live ON gpu_workers (state, last_seen_at);
CREATE TABLE gpu_tasks (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  input TEXT NOT NULL,
  state TEXT NOT NULL,
  worker_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  requeues INTEGER NOT NULL DEFAULT 0,
  execution_timeout_ms BIGINT NOT NULL,
  expires_at BIGINT,
  created_at BIGINT NOT NULL,
  taken_at BIGINT,
  finished_at BIGINT,
  output TEXT,
  error TEXT,
  stop_pending INTEGER NOT NULL DEFAULT 0,
  CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'timed_out'))
);
CREATE INDEX gpu_tasks_queue ON gpu_tasks (endpoint_id, state, created_at);
CREATE INDEX gpu_tasks_worker ON gpu_tasks (worker_id, state)
`,
  },
  {
    version: 17,
    name: 'GPU deployments (per owner: a person or an org) and the GPU side of jobs (owner, deployment, measured time)',
    sql: `
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  owner_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  org_id TEXT,
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  docker_image TEXT NOT NULL,
  gpu_types TEXT NOT NULL,
  min_workers INTEGER NOT NULL,
  max_workers INTEGER NOT NULL,
  idle_timeout_seconds INTEGER NOT NULL,
  max_seconds INTEGER NOT NULL,
  env TEXT NOT NULL,
  webhook_url TEXT,
  workflow TEXT,
  backend TEXT NOT NULL,
  endpoint_id TEXT,
  state TEXT NOT NULL,
  workers TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX deployments_owner_slug ON deployments (owner_key, slug);
CREATE TABLE gpu_jobs (
  job_id TEXT PRIMARY KEY,
  owner_key TEXT NOT NULL,
  org_id TEXT,
  deployment_id TEXT,
  provider_job_id TEXT,
  delay_ms BIGINT,
  execution_ms BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX gpu_jobs_owner ON gpu_jobs (owner_key, job_id);
CREATE INDEX gpu_jobs_deployment ON gpu_jobs (deployment_id, job_id)
`,
  },
  {
    version: 19,
    name: 'PostgreSQL: the hold as one round trip (hypereal_place_hold)',
    sql: '',
    // Locks the wallet row, then the key's month budget row (the order every hold and settle
    // takes), sizes the hold between p_least and p_most to what both allow, and writes it. A
    // refusal returns held = NULL with the figures that refused it. One statement, so the row
    // locks last one round trip, not a transaction's worth.
    // https://www.postgresql.org/docs/15/plpgsql-statements.html
    postgres: [
      `CREATE OR REPLACE FUNCTION hypereal_place_hold(
  p_user TEXT, p_org TEXT, p_most BIGINT, p_least BIGINT, p_minimum BIGINT,
  p_budget_key TEXT, p_month TEXT, p_limit BIGINT,
  p_hold TEXT, p_key TEXT, p_request TEXT, p_now BIGINT, p_lease_until BIGINT, p_endpoint TEXT)
RETURNS TABLE (held BIGINT, available BIGINT, key_remaining BIGINT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_available BIGINT;
  v_remaining BIGINT;
  v_amount BIGINT;
BEGIN
  IF p_org IS NOT NULL THEN
    SELECT o.balance_micro - o.held_micro INTO v_available FROM orgs o WHERE o.id = p_org FOR UPDATE;
  ELSE
    SELECT u.balance_micro - u.held_micro INTO v_available FROM users u WHERE u.id = p_user FOR UPDATE;
  END IF;
  IF v_available IS NULL THEN
    RETURN QUERY SELECT NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
    RETURN;
  END IF;
  IF p_budget_key IS NOT NULL THEN
    INSERT INTO key_budgets (key_id, month) VALUES (p_budget_key, p_month) ON CONFLICT DO NOTHING;
    SELECT p_limit - b.spent_micro - b.held_micro INTO v_remaining
      FROM key_budgets b WHERE b.key_id = p_budget_key AND b.month = p_month FOR UPDATE;
  END IF;
  v_amount := LEAST(p_most, GREATEST(p_least, LEAST(v_available, COALESCE(v_remaining, v_available))));
  IF v_available < GREATEST(v_amount, p_minimum) OR v_remaining < v_amount THEN
    RETURN QUERY SELECT NULL::BIGINT, v_available, v_remaining;
    RETURN;
  END IF;
  IF p_org IS NOT NULL THEN
    UPDATE orgs SET held_micro = held_micro + v_amount WHERE id = p_org;
  ELSE
    UPDATE users SET held_micro = held_micro + v_amount WHERE id = p_user;
  END IF;
  IF p_budget_key IS NOT NULL THEN
    UPDATE key_budgets SET held_micro = held_micro + v_amount WHERE key_id = p_budget_key AND month = p_month;
  END IF;
  INSERT INTO holds (id, user_id, key_id, request_id, amount_micro, status, created_at, key_month, lease_until, endpoint, job_id, org_id)
    VALUES (p_hold, p_user, p_key, p_request, v_amount, 'open', p_now, p_month, p_lease_until, p_endpoint, NULL, p_org);
  RETURN QUERY SELECT v_amount, v_available - v_amount, v_remaining - v_amount;
END
$fn$`,
    ],
  },
  {
    version: 20,
    name: 'credit leases: a replica-owned slice of a wallet as one hold row, and markers of its long calls',
    // `lease` = 1: the row is a replica's slice of the wallet (and of the key's month budget),
    // which calls are admitted against in memory; its amount is always what it still reserves.
    // `drain`: 0 in use, 1 another replica asked for it back (a refusal is pending), 2 its owner
    // shrank it to its calls in flight and admits no more on it. `lease_calls`: calls on a lease
    // still running after a second, so the sweep can log them `502 interrupted` if the owner dies.
    sql: `
ALTER TABLE holds ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN drain INTEGER NOT NULL DEFAULT 0;
CREATE INDEX holds_open_leases ON holds (user_id, org_id) WHERE lease = 1 AND status = 'open';
CREATE TABLE lease_calls (
  request_id TEXT PRIMARY KEY,
  hold_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  org_id TEXT,
  key_id TEXT,
  endpoint TEXT NOT NULL,
  started_at BIGINT NOT NULL
);
CREATE INDEX lease_calls_hold ON lease_calls (hold_id);
`,
    // One round trip per slice: locks the wallet row, then the key's month budget row (the order
    // of every hold), and grants `p_amount` only when it is at most 1/p_fraction of what both
    // leave available — far from the edge; granted = NULL otherwise (the caller then holds per
    // call, exactly), 0 when the lease to grow is closed or draining (the caller starts anew).
    // https://www.postgresql.org/docs/15/plpgsql-statements.html
    postgres: [
      `CREATE OR REPLACE FUNCTION hypereal_lease_credit(
  p_user TEXT, p_org TEXT, p_amount BIGINT, p_fraction BIGINT,
  p_budget_key TEXT, p_month TEXT, p_limit BIGINT,
  p_hold TEXT, p_grow BOOLEAN, p_key TEXT, p_now BIGINT, p_lease_until BIGINT, p_endpoint TEXT)
RETURNS TABLE (granted BIGINT, available BIGINT, key_remaining BIGINT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_available BIGINT;
  v_remaining BIGINT;
BEGIN
  IF p_org IS NOT NULL THEN
    SELECT o.balance_micro - o.held_micro INTO v_available FROM orgs o WHERE o.id = p_org FOR UPDATE;
  ELSE
    SELECT u.balance_micro - u.held_micro INTO v_available FROM users u WHERE u.id = p_user FOR UPDATE;
  END IF;
  IF v_available IS NULL THEN
    RETURN QUERY SELECT NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
    RETURN;
  END IF;
  IF p_budget_key IS NOT NULL THEN
    INSERT INTO key_budgets (key_id, month) VALUES (p_budget_key, p_month) ON CONFLICT DO NOTHING;
    SELECT p_limit - b.spent_micro - b.held_micro INTO v_remaining
      FROM key_budgets b WHERE b.key_id = p_budget_key AND b.month = p_month FOR UPDATE;
  END IF;
  IF p_amount * p_fraction > v_available OR p_amount * p_fraction > COALESCE(v_remaining, v_available) THEN
    RETURN QUERY SELECT NULL::BIGINT, v_available, v_remaining;
    RETURN;
  END IF;
  IF p_grow THEN
    UPDATE holds SET amount_micro = amount_micro + p_amount, lease_until = p_lease_until
      WHERE id = p_hold AND status = 'open' AND drain = 0;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 0::BIGINT, v_available, v_remaining;
      RETURN;
    END IF;
  ELSE
    INSERT INTO holds (id, user_id, key_id, request_id, amount_micro, status, created_at, key_month, lease_until, endpoint, job_id, org_id, lease)
      VALUES (p_hold, p_user, p_key, p_hold, p_amount, 'open', p_now, p_month, p_lease_until, p_endpoint, NULL, p_org, 1);
  END IF;
  IF p_org IS NOT NULL THEN
    UPDATE orgs SET held_micro = held_micro + p_amount WHERE id = p_org;
  ELSE
    UPDATE users SET held_micro = held_micro + p_amount WHERE id = p_user;
  END IF;
  IF p_budget_key IS NOT NULL THEN
    UPDATE key_budgets SET held_micro = held_micro + p_amount WHERE key_id = p_budget_key AND month = p_month;
  END IF;
  RETURN QUERY SELECT p_amount, v_available - p_amount, v_remaining - p_amount;
END
$fn$`,
    ],
  },
  {
    version: 21,
    name: 'usage rollup: request counts, cost and tokens per owner, key, endpoint, model, status and UTC day',
    // Written only by the rollup step (usage/rollup-build.ts), never by a request. A NULL of the
    // log row is stored as '' (ids are never empty), the model with a flag beside it so a NULL
    // model and a model named '' stay two groups, as they are in the raw rows.
    sql: `
CREATE TABLE usage_daily (
  user_id TEXT NOT NULL,
  day BIGINT NOT NULL,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model_null INTEGER NOT NULL,
  model TEXT NOT NULL,
  status INTEGER NOT NULL,
  requests BIGINT NOT NULL,
  cost_micro BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  image_count BIGINT NOT NULL,
  PRIMARY KEY (user_id, day, org_id, key_id, endpoint, model_null, model, status)
);
CREATE INDEX usage_daily_org ON usage_daily (org_id, day);
CREATE TABLE usage_rollup_state (
  name TEXT PRIMARY KEY,
  through_day BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
`,
  },
  {
    version: 22,
    name: 'request log and ledger: the org and answer-id indexes hold only rows that have one',
    // Every query these serve asks for one org (`org_id = ?`) or one stored answer
    // (`response_id = ?`), which implies IS NOT NULL, so both engines' planners use a partial
    // index for it; a personal row (org_id NULL, most of them) and a row without a stored answer
    // (every chat completion: only the Responses API's answers are looked up by id) no longer
    // cost an index entry on every insert.
    // https://www.sqlite.org/partialindex.html https://www.postgresql.org/docs/15/indexes-partial.html
    sql: `
DROP INDEX request_logs_response;
CREATE INDEX request_logs_response ON request_logs (response_id) WHERE response_id IS NOT NULL;
DROP INDEX request_logs_org_time;
CREATE INDEX request_logs_org_time ON request_logs (org_id, created_at) WHERE org_id IS NOT NULL;
DROP INDEX ledger_entries_org;
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, created_at) WHERE org_id IS NOT NULL
`,
  },
];

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** PostgreSQL only, run as one statement each (a function body holds semicolons). */
  postgres?: readonly string[];
}

export interface MigrateOptions {
  /** Stop after this version (the upgrade tests build each earlier schema this way). */
  upTo?: number;
  /** Called after each migration commits (`hypereal migrate` prints them). */
  onApplied?: (migration: Migration, ms: number) => void;
}

/**
 * Brings the schema forward, never back: every migration not yet recorded in
 * `schema_migrations` runs in its own transaction, in version order, under the engine's
 * migration lock (a PostgreSQL advisory lock, so replicas starting together never race).
 * Idempotent: a second run applies nothing. Returns how many migrations it applied.
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<number> {
  return db.withMigrationLock(async () => {
    await db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set(await appliedVersions(db));
    let count = 0;
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (options.upTo !== undefined && migration.version > options.upTo) break;
      if (applied.has(migration.version)) continue;
      const started = performance.now();
      await db.transaction(async (tx) => {
        for (const statement of splitStatements(migration.sql)) await tx.run(statement);
        if (db.engine === 'postgres')
          for (const statement of migration.postgres ?? []) await tx.run(statement);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      });
      options.onApplied?.(migration, performance.now() - started);
      count++;
    }
    return count;
  });
}

/** The versions recorded as applied, ascending (none on an empty database). */
export async function appliedVersions(db: Database): Promise<number[]> {
  const rows = await db
    .all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    .catch(() => []);
  return rows.map((row) => Number(row.version));
}

function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
