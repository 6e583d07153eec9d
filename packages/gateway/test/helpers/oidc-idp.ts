import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID Provider (panva's oidc-provider, https://github.com/panva/node-oidc-provider)
 * on 127.0.0.1. Its interaction pages are replaced by one step that signs in `nextLogin`
 * and grants the requested scopes, like a user clicking through. `tamper`, when set,
 * rewrites the ID token the token endpoint returns (re-signed with the IdP's own key or a
 * rogue one), to exercise the relying party's checks.
 */
export interface TestIdp {
  issuer: string;
  accounts: Map<string, { email: string; email_verified: boolean }>;
  nextLogin: string;
  tamper: ((claims: JWTPayload) => { claims: JWTPayload; signWith: 'idp' | 'rogue' }) | undefined;
  /** Re-registers the client with these redirect URIs (same issuer, same keys). */
  setRedirectUris(uris: string[]): void;
  close(): Promise<void>;
}

export async function startOidcIdp(client: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}): Promise<TestIdp> {
  const kid = randomUUID();
  const idpKey = await generateKeyPair('RS256', { extractable: true });
  const rogueKey = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(idpKey.privateKey)), kid, alg: 'RS256', use: 'sig' };
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    accounts: new Map(),
    nextLogin: '',
    tamper: undefined,
    setRedirectUris: (uris) => install(uris),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  function install(redirectUris: string[]): void {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: redirectUris,
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      jwks: { keys: [jwk] },
      pkce: { required: () => true },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      findAccount: async (_ctx, sub) => {
        const account = idp.accounts.get(sub);
        if (!account) return undefined;
        return { accountId: sub, claims: async () => ({ sub, ...account }) };
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: { devInteractions: { enabled: false } },
    });
    const callback = provider.callback();

    async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const details = await provider.interactionDetails(req, res);
      const accountId = idp.nextLogin;
      const grant = new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
      grant.addOIDCScope(String(details.params['scope']));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    }

    function tamperTokenResponse(res: ServerResponse): void {
      const end = res.end.bind(res) as (body?: unknown) => ServerResponse;
      const tamper = idp.tamper!;
      res.end = ((body?: unknown) => {
        const text = body === undefined ? '' : String(body);
        let parsed: { id_token?: string } & Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          return end(body);
        }
        if (!parsed.id_token) return end(body);
        const { claims, signWith } = tamper(decodeJwt(parsed.id_token));
        const key = signWith === 'idp' ? idpKey.privateKey : rogueKey.privateKey;
        void new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid })
          .sign(key)
          .then((idToken) => {
            const rewritten = JSON.stringify({ ...parsed, id_token: idToken });
            if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(rewritten));
            end(rewritten);
          });
        return res;
      }) as typeof res.end;
    }

    handler = (req, res) => {
      if (req.url?.startsWith('/interaction/')) {
        finishInteraction(req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
        return;
      }
      if (req.url?.startsWith('/token') && idp.tamper) tamperTokenResponse(res);
      callback(req, res);
    };
  }
  install(client.redirectUris);
  return idp;
}
