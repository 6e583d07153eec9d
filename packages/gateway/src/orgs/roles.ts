/**
 * The five built-in roles and what each may do, as one table (action × role). Every
 * org-scoped route names its action; `allows` is the only place a role is checked.
 */
export const roles = ['owner', 'admin', 'developer', 'billing', 'viewer'] as const;
export type OrgRole = (typeof roles)[number];

export const isOrgRole = (value: unknown): value is OrgRole =>
  typeof value === 'string' && (roles as readonly string[]).includes(value);

const o = true;
const _ = false;

/** Columns: owner, admin, developer, billing, viewer. */
export const permissionMatrix = {
  'org.view': [o, o, o, o, o],
  'org.rename': [o, o, _, _, _],
  'org.delete': [o, _, _, _, _],
  'org.transfer': [o, _, _, _, _],
  'members.view': [o, o, o, o, o],
  'members.invite': [o, o, _, _, _],
  'members.role': [o, o, _, _, _],
  'members.remove': [o, o, _, _, _],
  'keys.view': [o, o, o, o, o],
  'keys.create': [o, o, o, _, _],
  'keys.update': [o, o, o, _, _],
  'keys.delete': [o, o, o, _, _],
  'billing.view': [o, o, _, o, o],
  'billing.manage': [o, _, _, o, _],
  'usage.view': [o, o, o, o, o],
  'audit.view': [o, o, _, o, o],
  'sso.view': [o, o, _, _, _],
  'sso.manage': [o, o, _, _, _],
  'webhooks.manage': [o, o, _, _, _],
  'workflows.manage': [o, o, o, _, _],
  'gpu.manage': [o, o, o, _, _],
} as const satisfies Record<string, readonly [boolean, boolean, boolean, boolean, boolean]>;

export type OrgAction = keyof typeof permissionMatrix;
export const orgActions = Object.keys(permissionMatrix) as OrgAction[];

export function allows(role: OrgRole, action: OrgAction): boolean {
  return permissionMatrix[action][roles.indexOf(role)] ?? false;
}
