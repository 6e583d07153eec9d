export {
  type ApiKeyChanges,
  type ApiKeyRecord,
  capApiKey,
  createApiKey,
  findApiKeyByHash,
  hashesEqual,
  hashKey,
  type KeyOwner,
  type KeyState,
  keyPrefix,
  keyState,
  listApiKeys,
  listOrgApiKeys,
  monthOf,
  requireApiKey,
  revokeApiKey,
  updateApiKey,
} from './api-keys.ts';
export { AttemptThrottle, type ThrottleRule, throttleRules } from './attempt-throttle.ts';
export {
  type AuthenticatedKey,
  inScope,
  KeyAuthenticator,
  type KeyAuthenticatorOptions,
  type KeyScope,
} from './authenticate-key.ts';
export {
  checkCurrentPassword,
  checkPasswordStrength,
  hashPassword,
  setPassword,
  verifyLogin,
  verifyPassword,
} from './passwords.ts';
export {
  createSession,
  deleteOtherSessions,
  deleteSession,
  findSession,
  type Session,
  sessionCookie,
} from './sessions.ts';
export {
  createUser,
  findUser,
  findUserByEmail,
  listUsers,
  requireUser,
  setUserPlan,
  setUserRateLimit,
  type User,
} from './users.ts';
