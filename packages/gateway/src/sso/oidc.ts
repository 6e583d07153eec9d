import * as client from 'openid-client';
import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';
import type { GuardedFetch } from '../net/guarded-fetch.ts';
import type { OidcSettings } from './provider-store.ts';

/**
 * OpenID Connect, authorization code flow with PKCE (S256), state and nonce, through
 * openid-client (https://github.com/panva/openid-client): it checks the ID token's
 * signature against the issuer's JWKS (with non-repudiation checks on, see below), `iss`, `aud`, `exp`/`iat` and the nonce
 * (https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation).
 * Every request to the IdP goes through `fetch` (the gateway's address policy).
 */

const scope = 'openid email profile';

function allowHttp(issuer: string): boolean {
  return new URL(issuer).protocol === 'http:';
}

/** Fetches `{issuer}/.well-known/openid-configuration` and checks what login needs. */
export async function discoverIssuer(
  input: { issuer: string; clientId: string; clientSecret: string },
  fetch: GuardedFetch,
): Promise<OidcSettings> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(input.issuer);
  } catch {
    throw new GatewayError('invalid_request', { param: 'issuer', message: 'issuer: not a valid URL.' });
  }
  let configuration: client.Configuration;
  try {
    configuration = await client.discovery(issuerUrl, input.clientId, undefined, undefined, {
      [client.customFetch]: fetch,
      timeout: 10,
      ...(allowHttp(input.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    throw new GatewayError('invalid_request', {
      param: 'issuer',
      message: `issuer: the discovery document at ${new URL('.well-known/openid-configuration', `${issuerUrl.href.replace(/\/?$/, '/')}`).href} could not be used: ${reason(error)}.`,
      cause: error,
    });
  }
  const metadata = configuration.serverMetadata();
  const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter(
    (field) => typeof metadata[field] !== 'string',
  );
  if (missing.length > 0)
    throw new GatewayError('invalid_request', {
      param: 'issuer',
      message: `issuer: the discovery document lacks ${missing.join(', ')}.`,
    });
  if (metadata.response_types_supported && !metadata.response_types_supported.includes('code'))
    throw new GatewayError('invalid_request', {
      param: 'issuer',
      message: 'issuer: the provider does not support the authorization code flow.',
    });
  const { issuer: _issuer, ...rest } = metadata;
  return {
    issuer: metadata.issuer,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    serverMetadata: { issuer: metadata.issuer, ...rest },
  };
}

function configurationOf(settings: OidcSettings, fetch: GuardedFetch): client.Configuration {
  const metadata = settings.serverMetadata as client.ServerMetadata;
  const methods = metadata.token_endpoint_auth_methods_supported;
  const auth =
    methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
      ? client.ClientSecretPost(settings.clientSecret)
      : client.ClientSecretBasic(settings.clientSecret);
  const configuration = new client.Configuration(metadata, settings.clientId, undefined, auth);
  configuration[client.customFetch] = fetch;
  configuration.timeout = 10;
  if (allowHttp(settings.issuer)) client.allowInsecureRequests(configuration);
  // openid-client trusts an ID token from the token endpoint on TLS alone unless told
  // otherwise (OIDC Core §3.1.3.7 item 6 permits that); we verify its signature against the
  // issuer's JWKS as well, so a token endpoint answer that was tampered with is refused.
  client.enableNonRepudiationChecks(configuration);
  return configuration;
}

export async function authorizationUrl(
  settings: OidcSettings,
  fetch: GuardedFetch,
  params: { redirectUri: string; state: string; nonce: string; codeVerifier: string; loginHint?: string },
): Promise<string> {
  const configuration = configurationOf(settings, fetch);
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: params.redirectUri,
    scope,
    state: params.state,
    nonce: params.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(params.codeVerifier),
    code_challenge_method: 'S256',
    ...(params.loginHint ? { login_hint: params.loginHint } : {}),
  });
  return url.href;
}

const identitySchema = z.looseObject({
  sub: z.string(),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.literal('true'), z.literal('false')]).optional(),
});

export interface OidcIdentity {
  subject: string;
  email: string;
  emailVerified: boolean | undefined;
}

/** Redeems the code and validates the ID token; any failure is a 401 `sso_failed`. */
export async function completeLogin(
  settings: OidcSettings,
  fetch: GuardedFetch,
  params: { callbackUrl: URL; state: string; nonce: string; codeVerifier: string },
): Promise<OidcIdentity> {
  const configuration = configurationOf(settings, fetch);
  try {
    const tokens = await client.authorizationCodeGrant(configuration, params.callbackUrl, {
      pkceCodeVerifier: params.codeVerifier,
      expectedState: params.state,
      expectedNonce: params.nonce,
      idTokenExpected: true,
    });
    const claims = identitySchema.parse(tokens.claims());
    let identity = claims;
    if (identity.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      identity = identitySchema.parse(
        await client.fetchUserInfo(configuration, tokens.access_token, claims.sub),
      );
    }
    if (identity.email === undefined) throw new Error('the IdP sent no email claim');
    const verified = identity.email_verified;
    return {
      subject: claims.sub,
      email: identity.email.trim().toLowerCase(),
      emailVerified: verified === undefined ? undefined : verified === true || verified === 'true',
    };
  } catch (error) {
    throw new GatewayError('sso_failed', {
      message: `Single sign-on failed: ${reason(error)}.`,
      cause: error,
    });
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message.replace(/\.$/, '')}${cause}`.replace(/\.$/, '');
}
