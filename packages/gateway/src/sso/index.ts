export {
  emailDomain,
  isDomainName,
  ownerOnDomain,
  type TxtResolver,
  txtRecordName,
  txtRecordPresent,
  txtRecordValue,
} from './domain-claim.ts';
export { signInFederated } from './federated-sign-in.ts';
export { consumeLoginState, createLoginState, loginStateTtlMs } from './login-state.ts';
export { authorizationUrl, completeLogin, discoverIssuer, newPkce } from './oidc-on-demand.ts';
export { ensureMember, ownerEmails, recordSsoAudit, type SsoAuditEvent } from './org-membership.ts';
export {
  deleteProvider,
  findProvider,
  listOrgProviders,
  markDomainVerified,
  providerForDomain,
  type SsoProvider,
  saveProvider,
  sha256,
} from './provider-store.ts';
export {
  acceptResponse,
  loginRedirectUrl,
  parseIdpMetadata,
  type SpEndpoints,
  spMetadata,
} from './saml-on-demand.ts';
