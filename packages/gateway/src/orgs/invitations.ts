import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { addMember } from './orgs-store.ts';
import { isOrgRole, type OrgRole } from './roles.ts';

/** Invitations are good for a week. */
export const invitationTtlMs = 7 * 24 * 60 * 60 * 1000;

export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: OrgRole;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  status: 'pending' | 'accepted' | 'declined' | 'revoked';
}

interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  status: string;
  token_hash: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const toInvitation = (row: InvitationRow): Invitation => ({
  id: row.id,
  orgId: row.org_id,
  email: row.email,
  role: isOrgRole(row.role) ? row.role : 'viewer',
  invitedBy: row.invited_by,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  status:
    row.status === 'accepted' || row.status === 'declined' || row.status === 'revoked'
      ? row.status
      : 'pending',
});

/**
 * A new invitation and its token (`<invitation id>.<256 random bits>`), shown once (mailed).
 * Only the token's SHA-256 is stored: the database alone cannot forge or replay a link.
 */
export async function createInvitation(
  db: Queryable,
  input: { orgId: string; email: string; role: OrgRole; invitedBy: string; now?: number },
): Promise<{ invitation: Invitation; token: string }> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new GatewayError('invalid_request', {
      param: 'email',
      message: `Not a valid email address: ${input.email}`,
    });
  }
  if (input.role === 'owner') {
    throw new GatewayError('invalid_request', {
      param: 'role',
      message: 'Invite as admin, developer, billing or viewer; ownership is transferred, not invited.',
    });
  }
  const member = await db.get(
    'SELECT 1 AS x FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND u.email = ?',
    [input.orgId, email],
  );
  if (member)
    throw new GatewayError('invalid_request', { param: 'email', message: `${email} is already a member.` });
  const now = input.now ?? Date.now();
  // A newer invitation to the same address replaces the older one.
  await db.run(
    "UPDATE org_invitations SET status = 'revoked', responded_at = ? WHERE org_id = ? AND email = ? AND status = 'pending'",
    [now, input.orgId, email],
  );
  const id = newId('inv');
  const token = `${id}.${randomBytes(32).toString('base64url')}`;
  const invitation: Invitation = {
    id,
    orgId: input.orgId,
    email,
    role: input.role,
    invitedBy: input.invitedBy,
    createdAt: now,
    expiresAt: now + invitationTtlMs,
    status: 'pending',
  };
  await db.run(
    `INSERT INTO org_invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    [id, input.orgId, email, input.role, hashToken(token), input.invitedBy, now, invitation.expiresAt],
  );
  return { invitation, token };
}

export async function listPendingInvitations(
  db: Queryable,
  orgId: string,
  now = Date.now(),
): Promise<Invitation[]> {
  const rows = await db.all<InvitationRow>(
    "SELECT * FROM org_invitations WHERE org_id = ? AND status = 'pending' AND expires_at > ? ORDER BY created_at DESC",
    [orgId, now],
  );
  return rows.map(toInvitation);
}

export async function revokeInvitation(
  db: Queryable,
  orgId: string,
  invitationId: string,
): Promise<Invitation> {
  const row = await db.get<InvitationRow>(
    "SELECT * FROM org_invitations WHERE id = ? AND org_id = ? AND status = 'pending'",
    [invitationId, orgId],
  );
  if (!row) throw new GatewayError('not_found', { message: 'No such pending invitation.' });
  await db.run("UPDATE org_invitations SET status = 'revoked', responded_at = ? WHERE id = ?", [
    Date.now(),
    row.id,
  ]);
  return toInvitation(row);
}

/** The pending, unexpired invitation a token names, addressed to `email`; otherwise 404 (no oracle). */
async function openInvitation(
  db: Queryable,
  token: string,
  email: string,
  now: number,
): Promise<InvitationRow> {
  const id = token.split('.', 1)[0] ?? '';
  const row = await db.get<InvitationRow>(
    'SELECT i.* FROM org_invitations i JOIN orgs o ON o.id = i.org_id WHERE i.id = ? AND o.deleted_at IS NULL',
    [id],
  );
  const given = Buffer.from(hashToken(token));
  const valid =
    row !== undefined &&
    given.length === row.token_hash.length &&
    timingSafeEqual(given, Buffer.from(row.token_hash)) &&
    row.status === 'pending' &&
    Number(row.expires_at) > now;
  if (!valid) {
    throw new GatewayError('not_found', { message: 'This invitation is invalid, expired or already used.' });
  }
  if (row.email !== email.trim().toLowerCase()) {
    throw new GatewayError('forbidden', {
      message: `This invitation was sent to ${row.email}; sign in with that address to accept it.`,
    });
  }
  return row;
}

/** Single use: the status flips from pending in the same transaction that adds the member. */
export function respondToInvitation(
  db: Database,
  input: { token: string; userId: string; email: string; accept: boolean; now?: number },
): Promise<Invitation> {
  const now = input.now ?? Date.now();
  return db.transaction(async (tx) => {
    const row = await openInvitation(tx, input.token, input.email, now);
    const { changes } = await tx.run(
      "UPDATE org_invitations SET status = ?, responded_at = ? WHERE id = ? AND status = 'pending'",
      [input.accept ? 'accepted' : 'declined', now, row.id],
    );
    if (changes === 0) throw new GatewayError('not_found', { message: 'This invitation was already used.' });
    const invitation = toInvitation(row);
    if (input.accept) await addMember(tx, { orgId: row.org_id, userId: input.userId, role: invitation.role });
    return { ...invitation, status: input.accept ? 'accepted' : 'declined' };
  });
}
