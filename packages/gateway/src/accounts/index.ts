export {
  type ApiKeyRecord,
  createApiKey,
  findApiKeyByHash,
  hashKey,
  keyPrefix,
  listApiKeys,
  revokeApiKey,
} from './api-keys.ts';
export { type AuthenticatedKey, KeyAuthenticator, type KeyAuthenticatorOptions } from './authenticate-key.ts';
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
