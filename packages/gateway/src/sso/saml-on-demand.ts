/**
 * The SAML side, imported on first use: @node-saml/node-saml with its XML signature and
 * parsing stack is ~20 MB resident that a gateway without a SAML provider never needs.
 */
type Saml = typeof import('./saml.ts');
let saml: Promise<Saml> | undefined;
const load = (): Promise<Saml> => {
  saml ??= import('./saml.ts');
  return saml;
};

export type { SamlIdentity, SpEndpoints } from './saml.ts';

export async function parseIdpMetadata(...args: Parameters<Saml['parseIdpMetadata']>) {
  return (await load()).parseIdpMetadata(...args);
}

export async function spMetadata(...args: Parameters<Saml['spMetadata']>): Promise<string> {
  return (await load()).spMetadata(...args);
}

export async function loginRedirectUrl(...args: Parameters<Saml['loginRedirectUrl']>): Promise<string> {
  return (await load()).loginRedirectUrl(...args);
}

export async function acceptResponse(...args: Parameters<Saml['acceptResponse']>) {
  return (await load()).acceptResponse(...args);
}
