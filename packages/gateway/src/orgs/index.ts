export {
  createInvitation,
  type Invitation,
  invitationTtlMs,
  listPendingInvitations,
  respondToInvitation,
  revokeInvitation,
} from './invitations.ts';
export {
  addMember,
  checkOrgName,
  createOrg,
  deleteOrg,
  findMembership,
  findOrg,
  listMembers,
  listUserOrgs,
  type Membership,
  type Org,
  type OrgMember,
  removeMember,
  renameOrg,
  setMemberRole,
  transferOwnership,
} from './orgs-store.ts';
export {
  allows,
  isOrgRole,
  type OrgAction,
  type OrgRole,
  orgActions,
  permissionMatrix,
  roles,
} from './roles.ts';
