import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { createRedeemCodes } from '../../src/billing/redeem-codes.ts';
import {
  addMember,
  allows,
  createInvitation,
  createOrg,
  type OrgAction,
  type OrgRole,
  orgActions,
  roles,
} from '../../src/orgs/index.ts';
import { type AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const password = 'a long enough passphrase';

/** What one fresh org offers each request: its id, a second member, a key, a redeem code. */
interface Fixture {
  orgId: string;
  targetId: string;
  keyId: string;
  code: string;
}

/** One request per action: the route that performs it. */
const requests: Partial<Record<OrgAction, (f: Fixture) => [string, string, unknown?]>> = {
  'org.view': (f) => ['GET', `/api/orgs/${f.orgId}`],
  'org.rename': (f) => ['PATCH', `/api/orgs/${f.orgId}`, { name: 'Renamed' }],
  'org.delete': (f) => ['DELETE', `/api/orgs/${f.orgId}`],
  'org.transfer': (f) => ['POST', `/api/orgs/${f.orgId}/transfer`, { userId: f.targetId }],
  'members.view': (f) => ['GET', `/api/orgs/${f.orgId}/members`],
  'members.invite': (f) => [
    'POST',
    `/api/orgs/${f.orgId}/invitations`,
    { email: 'new@acme.test', role: 'viewer' },
  ],
  'members.role': (f) => ['PATCH', `/api/orgs/${f.orgId}/members/${f.targetId}`, { role: 'billing' }],
  'members.remove': (f) => ['DELETE', `/api/orgs/${f.orgId}/members/${f.targetId}`],
  'keys.view': (f) => ['GET', `/api/orgs/${f.orgId}/api-keys`],
  'keys.create': (f) => ['POST', `/api/orgs/${f.orgId}/api-keys`, { name: 'new' }],
  'keys.update': (f) => ['PATCH', `/api/orgs/${f.orgId}/api-keys/${f.keyId}`, { spendingLimit: 5 }],
  'keys.delete': (f) => ['DELETE', `/api/orgs/${f.orgId}/api-keys/${f.keyId}`],
  'billing.view': (f) => ['GET', `/api/orgs/${f.orgId}/credits`],
  'billing.manage': (f) => ['POST', `/api/orgs/${f.orgId}/credits/redeem`, { code: f.code }],
  'usage.view': (f) => ['GET', `/api/orgs/${f.orgId}/usage`],
  'audit.view': (f) => ['GET', `/api/orgs/${f.orgId}/audit`],
};

/**
 * Actions in the matrix whose routes other branches add (SSO settings; webhooks, workflows
 * and GPU templates once those resources exist). Their routes declare the action and pass
 * the same gate; this list must shrink, never grow silently.
 */
const awaitingRoutes: OrgAction[] = [
  'sso.view',
  'sso.manage',
  'webhooks.manage',
  'workflows.manage',
  'gpu.manage',
];

describe('the permission matrix, every role × every action, over HTTP', () => {
  let harness: Harness;
  const clients = new Map<OrgRole | 'outsider', AccountClient>();
  const ids = new Map<OrgRole | 'outsider' | 'target', string>();

  beforeAll(async () => {
    harness = await startHarness();
    for (const who of [...roles, 'outsider', 'target'] as const) {
      const { user } = await harness.newUser(0, { email: `${who}@acme.test`, password });
      ids.set(who, user.id);
      if (who !== 'target') clients.set(who, await signedIn(harness.gateway.url, user.email, password));
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function fixture(role: OrgRole | 'outsider'): Promise<Fixture> {
    const { db } = harness;
    const org = await createOrg(db, { name: `Acme ${role}`, ownerId: ids.get('owner')! });
    if (role !== 'owner' && role !== 'outsider')
      await addMember(db, { orgId: org.id, userId: ids.get(role)!, role });
    const targetId = ids.get('target')!;
    await addMember(db, { orgId: org.id, userId: targetId, role: 'viewer' });
    const { record } = await createApiKey(db, { userId: ids.get('owner')!, orgId: org.id, name: 'shared' });
    await createInvitation(db, {
      orgId: org.id,
      email: 'pending@acme.test',
      role: 'developer',
      invitedBy: ids.get('owner')!,
    });
    const [code] = await createRedeemCodes(db, { amountMicro: 200_000_000, count: 1 });
    return { orgId: org.id, targetId, keyId: record.id, code: code! };
  }

  it('covers every action in the matrix', () => {
    expect([...Object.keys(requests), ...awaitingRoutes].sort()).toEqual([...orgActions].sort());
  });

  const cells = roles.flatMap((role) =>
    (Object.keys(requests) as OrgAction[]).map((action) => [role, action, allows(role, action)] as const),
  );
  it.each(cells)('%s · %s → allowed: %s', async (role, action, allowed) => {
    const [method, path, body] = requests[action]!(await fixture(role));
    const response = await clients.get(role)!.call(method, path, body);
    if (allowed) {
      expect(response.status, response.text).toBeGreaterThanOrEqual(200);
      expect(response.status, response.text).toBeLessThan(300);
    } else {
      expect(response.status, response.text).toBe(403);
      expect(response.body.error?.type).toBe('permission_error');
      expect(response.body.error?.message).toContain(action);
    }
  });

  it.each(Object.keys(requests) as OrgAction[])('a non-member · %s → 404', async (action) => {
    const [method, path, body] = requests[action]!(await fixture('outsider'));
    const response = await clients.get('outsider')!.call(method, path, body);
    expect(response.status, response.text).toBe(404);
  });

  it('the documented roles: owner everything, admin members and keys, developer keys, billing money and audit, viewer reads', () => {
    expect(orgActions.filter((action) => !allows('owner', action))).toEqual([]);
    expect(allows('admin', 'org.delete')).toBe(false);
    expect(
      allows('admin', 'sso.manage') &&
        allows('admin', 'members.invite') &&
        allows('admin', 'webhooks.manage'),
    ).toBe(true);
    expect(
      allows('developer', 'keys.create') &&
        allows('developer', 'keys.delete') &&
        allows('developer', 'gpu.manage'),
    ).toBe(true);
    expect(allows('developer', 'members.invite') || allows('developer', 'audit.view')).toBe(false);
    expect(allows('billing', 'billing.manage') && allows('billing', 'audit.view')).toBe(true);
    expect(allows('billing', 'keys.create')).toBe(false);
    expect(orgActions.filter((action) => allows('viewer', action))).toEqual([
      'org.view',
      'members.view',
      'keys.view',
      'billing.view',
      'usage.view',
      'audit.view',
    ]);
  });
});
