import { randomBytes } from 'node:crypto';

/**
 * The OpenID Connect side, imported on first use: openid-client with oauth4webapi is ~100 KB of
 * code (and its objects) that a gateway without an OIDC provider never needs at start-up.
 */
type Oidc = typeof import('./oidc.ts');
let oidc: Promise<Oidc> | undefined;
const load = (): Promise<Oidc> => {
  oidc ??= import('./oidc.ts');
  return oidc;
};

export type { OidcIdentity } from './oidc.ts';

/**
 * A PKCE code verifier and a nonce: 32 random bytes each, base64url (43 characters, within
 * RFC 7636's 43–128 unreserved characters), as openid-client's `randomPKCECodeVerifier` and
 * `randomNonce` make them; here so a login's first step needs no import.
 * https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function newPkce(): { codeVerifier: string; nonce: string } {
  return {
    codeVerifier: randomBytes(32).toString('base64url'),
    nonce: randomBytes(32).toString('base64url'),
  };
}

export async function discoverIssuer(...args: Parameters<Oidc['discoverIssuer']>) {
  return (await load()).discoverIssuer(...args);
}

export async function authorizationUrl(...args: Parameters<Oidc['authorizationUrl']>): Promise<string> {
  return (await load()).authorizationUrl(...args);
}

export async function completeLogin(...args: Parameters<Oidc['completeLogin']>) {
  return (await load()).completeLogin(...args);
}
