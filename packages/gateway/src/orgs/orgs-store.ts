import type { Database, Queryable } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { isOrgRole, type OrgRole } from './roles.ts';

export interface Org {
  id: string;
  slug: string;
  name: string;
  balanceMicro: number;
  heldMicro: number;
  createdAt: number;
}

export interface OrgMember {
  orgId: string;
  userId: string;
  email: string;
  role: OrgRole;
  joinedAt: number;
}

export interface Membership {
  org: Org;
  role: OrgRole;
}

interface OrgRow {
  id: string;
  slug: string;
  name: string;
  balance_micro: number;
  held_micro: number;
  created_at: number;
}

const toOrg = (row: OrgRow): Org => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  balanceMicro: Number(row.balance_micro),
  heldMicro: Number(row.held_micro),
  createdAt: Number(row.created_at),
});

const orgColumns = 'o.id, o.slug, o.name, o.balance_micro, o.held_micro, o.created_at';

export function checkOrgName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new GatewayError('invalid_request', {
      param: 'name',
      message: 'name must be 1 to 100 characters.',
    });
  }
  return trimmed;
}

function slugBase(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base || 'org';
}

/** Creates the org with `ownerId` as its one owner; the slug is the name, de-duplicated. */
export function createOrg(db: Database, input: { name: string; ownerId: string }): Promise<Org> {
  const name = checkOrgName(input.name);
  return db.transaction(async (tx) => {
    const base = slugBase(name);
    let slug = base;
    for (let n = 2; await tx.get('SELECT 1 AS x FROM orgs WHERE slug = ?', [slug]); n++)
      slug = `${base}-${n}`;
    const now = Date.now();
    const org: Org = { id: newId('org'), slug, name, balanceMicro: 0, heldMicro: 0, createdAt: now };
    await tx.run('INSERT INTO orgs (id, slug, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)', [
      org.id,
      slug,
      name,
      input.ownerId,
      now,
    ]);
    await tx.run('INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', [
      org.id,
      input.ownerId,
      'owner',
      now,
    ]);
    return org;
  });
}

/** A live (not deleted) org by id or slug. */
export async function findOrg(db: Queryable, idOrSlug: string): Promise<Org | null> {
  const row = await db.get<OrgRow>(
    `SELECT ${orgColumns} FROM orgs o WHERE (o.id = ? OR o.slug = ?) AND o.deleted_at IS NULL`,
    [idOrSlug, idOrSlug],
  );
  return row ? toOrg(row) : null;
}

/** The user's role in a live org, or null when they are not a member (or it is gone). */
export async function findMembership(
  db: Queryable,
  orgId: string,
  userId: string,
): Promise<Membership | null> {
  const row = await db.get<OrgRow & { role: string }>(
    `SELECT ${orgColumns}, m.role FROM orgs o JOIN org_members m ON m.org_id = o.id
     WHERE o.id = ? AND m.user_id = ? AND o.deleted_at IS NULL`,
    [orgId, userId],
  );
  if (!row || !isOrgRole(row.role)) return null;
  return { org: toOrg(row), role: row.role };
}

export async function listUserOrgs(db: Queryable, userId: string): Promise<Membership[]> {
  const rows = await db.all<OrgRow & { role: string }>(
    `SELECT ${orgColumns}, m.role FROM orgs o JOIN org_members m ON m.org_id = o.id
     WHERE m.user_id = ? AND o.deleted_at IS NULL ORDER BY o.name, o.id`,
    [userId],
  );
  return rows.flatMap((row) => (isOrgRole(row.role) ? [{ org: toOrg(row), role: row.role }] : []));
}

export async function listMembers(db: Queryable, orgId: string): Promise<OrgMember[]> {
  const rows = await db.all<{
    org_id: string;
    user_id: string;
    email: string;
    role: string;
    joined_at: number;
  }>(
    `SELECT m.org_id, m.user_id, u.email, m.role, m.joined_at FROM org_members m JOIN users u ON u.id = m.user_id
     WHERE m.org_id = ? ORDER BY m.joined_at, u.email`,
    [orgId],
  );
  return rows.flatMap((row) =>
    isOrgRole(row.role)
      ? [
          {
            orgId: row.org_id,
            userId: row.user_id,
            email: row.email,
            role: row.role,
            joinedAt: Number(row.joined_at),
          },
        ]
      : [],
  );
}

/**
 * Adds a member with `role` (an invitation accepted, or just-in-time SSO provisioning).
 * An existing member keeps the role they have; the owner role is only given by a transfer.
 */
export async function addMember(
  db: Queryable,
  input: { orgId: string; userId: string; role: OrgRole },
): Promise<{ added: boolean; role: OrgRole }> {
  if (input.role === 'owner') {
    throw new GatewayError('invalid_request', {
      param: 'role',
      message: 'The owner role is given only by transferring ownership.',
    });
  }
  const existing = await db.get<{ role: string }>(
    'SELECT role FROM org_members WHERE org_id = ? AND user_id = ?',
    [input.orgId, input.userId],
  );
  if (existing && isOrgRole(existing.role)) return { added: false, role: existing.role };
  await db.run('INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', [
    input.orgId,
    input.userId,
    input.role,
    Date.now(),
  ]);
  return { added: true, role: input.role };
}

async function memberRole(db: Queryable, orgId: string, userId: string): Promise<OrgRole> {
  const row = await db.get<{ role: string }>(
    'SELECT role FROM org_members WHERE org_id = ? AND user_id = ?',
    [orgId, userId],
  );
  if (!row || !isOrgRole(row.role)) throw new GatewayError('not_found', { message: 'No such member.' });
  return row.role;
}

/** Changes a member's role; the owner's role changes only by a transfer. Returns the role before. */
export async function setMemberRole(
  db: Queryable,
  orgId: string,
  userId: string,
  role: OrgRole,
): Promise<OrgRole> {
  const before = await memberRole(db, orgId, userId);
  if (before === 'owner' || role === 'owner') {
    throw new GatewayError('invalid_request', {
      param: 'role',
      message: 'The owner role changes hands only by transferring ownership.',
    });
  }
  await db.run('UPDATE org_members SET role = ? WHERE org_id = ? AND user_id = ?', [role, orgId, userId]);
  return before;
}

/** Removes a member (or a member leaving); the owner must transfer ownership first. */
export async function removeMember(db: Queryable, orgId: string, userId: string): Promise<OrgRole> {
  const before = await memberRole(db, orgId, userId);
  if (before === 'owner') {
    throw new GatewayError('invalid_request', {
      message: 'The owner cannot leave or be removed: transfer ownership to another member first.',
    });
  }
  await db.run('DELETE FROM org_members WHERE org_id = ? AND user_id = ?', [orgId, userId]);
  return before;
}

/** The new owner must already be a member; the previous owner becomes an admin. One owner at all times. */
export function transferOwnership(
  db: Database,
  orgId: string,
  fromUserId: string,
  toUserId: string,
): Promise<{ previousRole: OrgRole }> {
  return db.transaction(async (tx) => {
    if ((await memberRole(tx, orgId, fromUserId)) !== 'owner') {
      throw new GatewayError('forbidden', { message: 'Only the owner can transfer ownership.' });
    }
    const previousRole = await memberRole(tx, orgId, toUserId);
    if (previousRole === 'owner') {
      throw new GatewayError('invalid_request', { message: 'That member already owns the org.' });
    }
    await tx.run("UPDATE org_members SET role = 'admin' WHERE org_id = ? AND user_id = ?", [
      orgId,
      fromUserId,
    ]);
    await tx.run("UPDATE org_members SET role = 'owner' WHERE org_id = ? AND user_id = ?", [orgId, toUserId]);
    return { previousRole };
  });
}

export async function renameOrg(db: Queryable, orgId: string, name: string): Promise<string> {
  const checked = checkOrgName(name);
  await db.run('UPDATE orgs SET name = ? WHERE id = ?', [checked, orgId]);
  return checked;
}

/**
 * Deletes an org (soft): it disappears for every member, its keys are revoked at once
 * (so no new call spends from it), pending invitations are revoked. Requests already in
 * flight settle against the org wallet as usual; the wallet's balance and ledger stay
 * in the database for the operator (credits are not moved to anyone). Returns the
 * number of keys revoked.
 */
export function deleteOrg(db: Database, orgId: string): Promise<{ keysRevoked: number }> {
  return db.transaction(async (tx) => {
    const now = Date.now();
    await tx.run('UPDATE orgs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', [now, orgId]);
    const { changes } = await tx.run(
      'UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL',
      [now, orgId],
    );
    await tx.run(
      "UPDATE org_invitations SET status = 'revoked', responded_at = ? WHERE org_id = ? AND status = 'pending'",
      [now, orgId],
    );
    return { keysRevoked: changes };
  });
}
