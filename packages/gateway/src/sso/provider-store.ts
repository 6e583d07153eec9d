import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Database } from '../db/index.ts';
import { newId } from '../ids.ts';
import { isOrgRole, type OrgRole } from '../orgs/index.ts';

export const oidcSettingsSchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecret: z.string(),
  /** The discovery document as fetched and checked on save. */
  serverMetadata: z.record(z.string(), z.unknown()),
});
export const samlSettingsSchema = z.object({
  idpEntityId: z.string(),
  ssoUrl: z.string(),
  /** PEM bodies (base64 DER) of the IdP's signing certificates. */
  certificates: z.array(z.string()).min(1),
});
export type OidcSettings = z.infer<typeof oidcSettingsSchema>;
export type SamlSettings = z.infer<typeof samlSettingsSchema>;

export type SsoProvider = {
  id: string;
  orgId: string;
  domain: string;
  ssoOnly: boolean;
  /** Role of members who arrive through this provider (just-in-time provisioning). */
  defaultRole: OrgRole;
  domainToken: string;
  domainVerifiedAt: number | null;
  domainVerifiedBy: string | null;
  checkedAt: number | null;
} & ({ type: 'oidc'; settings: OidcSettings } | { type: 'saml'; settings: SamlSettings });

interface ProviderRow {
  id: string;
  org_id: string;
  type: string;
  domain: string;
  settings: string;
  sso_only: number;
  jit_role: string;
  domain_token: string;
  domain_verified_at: number | null;
  domain_verified_by: string | null;
  checked_at: number | null;
}

const columns =
  'id, org_id, type, domain, settings, sso_only, jit_role, domain_token, domain_verified_at, domain_verified_by, checked_at';

function fromRow(row: ProviderRow): SsoProvider {
  const common = {
    id: row.id,
    orgId: row.org_id,
    domain: row.domain,
    ssoOnly: Number(row.sso_only) === 1,
    defaultRole: isOrgRole(row.jit_role) && row.jit_role !== 'owner' ? row.jit_role : 'viewer',
    domainToken: row.domain_token,
    domainVerifiedAt: row.domain_verified_at === null ? null : Number(row.domain_verified_at),
    domainVerifiedBy: row.domain_verified_by,
    checkedAt: row.checked_at === null ? null : Number(row.checked_at),
  };
  const settings: unknown = JSON.parse(row.settings);
  return row.type === 'oidc'
    ? { ...common, type: 'oidc', settings: oidcSettingsSchema.parse(settings) }
    : { ...common, type: 'saml', settings: samlSettingsSchema.parse(settings) };
}

export async function findProvider(db: Database, id: string): Promise<SsoProvider | undefined> {
  const row = await db.get<ProviderRow>(`SELECT ${columns} FROM sso_providers WHERE id = ?`, [id]);
  return row ? fromRow(row) : undefined;
}

export async function listOrgProviders(db: Database, orgId: string): Promise<SsoProvider[]> {
  const rows = await db.all<ProviderRow>(
    `SELECT ${columns} FROM sso_providers WHERE org_id = ? ORDER BY created_at`,
    [orgId],
  );
  return rows.map(fromRow);
}

/** The provider holding the verified claim on this email domain, if any. */
export async function providerForDomain(db: Database, domain: string): Promise<SsoProvider | undefined> {
  const row = await db.get<ProviderRow>(
    `SELECT ${columns} FROM sso_providers WHERE domain = ? AND domain_verified_at IS NOT NULL`,
    [domain.toLowerCase()],
  );
  return row ? fromRow(row) : undefined;
}

export type ProviderInput = { orgId: string; domain: string; ssoOnly: boolean; defaultRole: OrgRole } & (
  | { type: 'oidc'; settings: OidcSettings }
  | { type: 'saml'; settings: SamlSettings }
);

/** One provider per org and domain: saving again replaces the settings and keeps the id. */
export async function saveProvider(db: Database, input: ProviderInput): Promise<SsoProvider> {
  const now = Date.now();
  const existing = await db.get<{ id: string }>(
    'SELECT id FROM sso_providers WHERE org_id = ? AND domain = ?',
    [input.orgId, input.domain],
  );
  const settings = JSON.stringify(input.settings);
  if (existing) {
    await db.run(
      'UPDATE sso_providers SET type = ?, settings = ?, sso_only = ?, jit_role = ?, checked_at = ?, updated_at = ? WHERE id = ?',
      [input.type, settings, input.ssoOnly ? 1 : 0, input.defaultRole, now, now, existing.id],
    );
    return (await findProvider(db, existing.id))!;
  }
  const id = newId('sso');
  await db.run(
    `INSERT INTO sso_providers (id, org_id, type, domain, settings, sso_only, jit_role, domain_token, checked_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      input.orgId,
      input.type,
      input.domain,
      settings,
      input.ssoOnly ? 1 : 0,
      input.defaultRole,
      randomBytes(18).toString('base64url'),
      now,
      now,
      now,
    ],
  );
  return (await findProvider(db, id))!;
}

/** Marks the domain claimed; false when another org already holds a verified claim on it. */
export async function markDomainVerified(db: Database, providerId: string, how: string): Promise<boolean> {
  try {
    await db.run(
      'UPDATE sso_providers SET domain_verified_at = ?, domain_verified_by = ? WHERE id = ? AND domain_verified_at IS NULL',
      [Date.now(), how, providerId],
    );
    return true;
  } catch {
    return false; // the partial unique index: one verified claim per domain
  }
}

export async function deleteProvider(db: Database, providerId: string): Promise<void> {
  await db.run('DELETE FROM sso_providers WHERE id = ?', [providerId]);
}

/** Login states and SAML request ids are stored hashed where they are bearer values. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
