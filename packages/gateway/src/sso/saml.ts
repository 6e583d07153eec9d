import { type CacheItem, type CacheProvider, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { parseStringPromise, processors } from 'xml2js';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { SamlSettings } from './provider-store.ts';

/**
 * SAML 2.0 Web Browser SSO (SP-initiated, HTTP-Redirect AuthnRequest, HTTP-POST Response) with
 * @node-saml/node-saml (https://github.com/node-saml/node-saml). The library verifies the XML
 * signature over the assertion with the IdP certificate from the pasted metadata (and only
 * trusts the signed part, which defeats signature wrapping), the Audience, the NotBefore /
 * NotOnOrAfter window (with `clockSkewMs`) and InResponseTo against the AuthnRequests we issued
 * (kept in the database, each accepted once). This module adds what it leaves to the SP:
 * the SubjectConfirmationData Recipient and the response Destination must be our ACS URL, and
 * an assertion ID is accepted once (SAML 2.0 profiles §4.1.4.5,
 * https://docs.oasis-open.org/security/saml/v2.0/saml-profiles-2.0-os.pdf).
 */

export const clockSkewMs = 60_000;
const requestTtlMs = 10 * 60_000;
const redirectBinding = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** An element as xml2js gives it (prefixes stripped): attributes under `$`, children by name. */
interface XmlNode {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  return value.map((item: unknown) => (typeof item === 'string' ? { _: item } : (item as XmlNode)));
}

async function parseXml(xml: string): Promise<Record<string, XmlNode>> {
  return (await parseStringPromise(xml, {
    tagNameProcessors: [processors.stripPrefix],
    explicitRoot: true,
    explicitArray: true,
  })) as Record<string, XmlNode>;
}

/** Reads the entity id, the HTTP-Redirect SSO URL and the signing certificates from IdP metadata. */
export async function parseIdpMetadata(xml: string): Promise<SamlSettings> {
  const fail = (why: string): never => {
    throw new GatewayError('invalid_request', { param: 'metadataXml', message: `metadataXml: ${why}.` });
  };
  if (/<!DOCTYPE/i.test(xml)) fail('a DOCTYPE is not allowed');
  let doc: Record<string, XmlNode>;
  try {
    doc = await parseXml(xml);
  } catch (error) {
    return fail(
      `not well-formed XML (${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'})`,
    );
  }
  const candidates = [doc['EntityDescriptor'], ...children(doc['EntitiesDescriptor'], 'EntityDescriptor')];
  const entity = candidates.find((candidate) => children(candidate, 'IDPSSODescriptor').length > 0);
  if (!entity) return fail('no EntityDescriptor with an IDPSSODescriptor');
  const idpEntityId = entity.$?.['entityID'] ?? '';
  if (idpEntityId === '') fail('the EntityDescriptor has no entityID');
  const idp = children(entity, 'IDPSSODescriptor')[0];
  const ssoUrl =
    children(idp, 'SingleSignOnService').find((service) => service.$?.['Binding'] === redirectBinding)?.$?.[
      'Location'
    ] ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) fail('no SingleSignOnService with the HTTP-Redirect binding');
  const certificates = children(idp, 'KeyDescriptor')
    .filter((key) => key.$?.['use'] === undefined || key.$?.['use'] === 'signing')
    .flatMap((key) => children(key, 'KeyInfo'))
    .flatMap((info) => children(info, 'X509Data'))
    .flatMap((data) => children(data, 'X509Certificate'))
    .map((cert) => (cert._ ?? '').replace(/\s+/g, ''))
    .filter((value) => value.length > 0);
  if (certificates.length === 0) fail('no signing certificate (KeyDescriptor use="signing")');
  return { idpEntityId, ssoUrl, certificates };
}

/** node-saml's request-id cache, in the shared database so any replica can finish a login. */
class DatabaseRequestCache implements CacheProvider {
  readonly #db: Database;
  readonly #providerId: string;
  constructor(db: Database, providerId: string) {
    this.#db = db;
    this.#providerId = providerId;
  }
  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const now = Date.now();
    await this.#db.run('DELETE FROM saml_requests WHERE expires_at < ?', [now]);
    await this.#db.run(
      'INSERT INTO saml_requests (request_id, provider_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      [key, this.#providerId, now, now + requestTtlMs],
    );
    return { value, createdAt: now };
  }
  async getAsync(key: string): Promise<string | null> {
    const row = await this.#db.get<{ created_at: number; expires_at: number }>(
      'SELECT created_at, expires_at FROM saml_requests WHERE request_id = ? AND provider_id = ?',
      [key, this.#providerId],
    );
    if (!row || Number(row.expires_at) < Date.now()) return null;
    return new Date(Number(row.created_at)).toISOString();
  }
  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    const { changes } = await this.#db.run(
      'DELETE FROM saml_requests WHERE request_id = ? AND provider_id = ?',
      [key, this.#providerId],
    );
    return changes === 1 ? key : null;
  }
}

export interface SpEndpoints {
  /** Our SP entity id (the metadata URL) and the ACS URL the IdP posts to. */
  entityId: string;
  acsUrl: string;
}

function samlFor(db: Database, providerId: string, settings: SamlSettings, sp: SpEndpoints): SAML {
  return new SAML({
    callbackUrl: sp.acsUrl,
    entryPoint: settings.ssoUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    idpIssuer: settings.idpEntityId,
    idpCert: settings.certificates,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: clockSkewMs,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: requestTtlMs,
    cacheProvider: new DatabaseRequestCache(db, providerId),
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    disableRequestedAuthnContext: true,
  });
}

export function spMetadata(
  db: Database,
  providerId: string,
  settings: SamlSettings,
  sp: SpEndpoints,
): string {
  return samlFor(db, providerId, settings, sp).generateServiceProviderMetadata(null);
}

export function loginRedirectUrl(
  db: Database,
  providerId: string,
  settings: SamlSettings,
  sp: SpEndpoints,
  relayState: string,
): Promise<string> {
  return samlFor(db, providerId, settings, sp).getAuthorizeUrlAsync(relayState, undefined, {});
}

export interface SamlIdentity {
  email: string;
  nameId: string;
}

/** Validates a posted SAMLResponse; every failure is a 401 `sso_failed` naming the reason. */
export async function acceptResponse(
  db: Database,
  providerId: string,
  settings: SamlSettings,
  sp: SpEndpoints,
  samlResponse: string,
): Promise<SamlIdentity> {
  const fail = (why: string, cause?: unknown): never => {
    throw new GatewayError('sso_failed', { message: `Single sign-on failed: ${why}.`, cause });
  };
  let profile: Awaited<ReturnType<SAML['validatePostResponseAsync']>>['profile'];
  try {
    ({ profile } = await samlFor(db, providerId, settings, sp).validatePostResponseAsync({
      SAMLResponse: samlResponse,
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message.replace(/\.$/, '') : String(error), error);
  }
  if (!profile) return fail('the response carries no assertion');
  const response = await parseXml(profile.getSamlResponseXml?.() ?? '<Empty/>');
  const destination = response['Response']?.$?.['Destination'];
  if (destination && destination !== sp.acsUrl) fail(`the response is addressed to ${destination}`);
  const assertion = (await parseXml(profile.getAssertionXml?.() ?? '<Empty/>'))['Assertion'];
  const assertionId = assertion?.$?.['ID'] ?? '';
  if (assertionId === '') fail('the assertion has no ID');
  const recipients = children(assertion, 'Subject')
    .flatMap((subject) => children(subject, 'SubjectConfirmation'))
    .flatMap((confirmation) => children(confirmation, 'SubjectConfirmationData'))
    .map((data) => data.$?.['Recipient'] ?? '');
  if (recipients.length === 0 || recipients.some((recipient) => recipient !== sp.acsUrl))
    fail(`the assertion's Recipient is ${recipients[0] || 'missing'}, not this ACS URL`);
  const notOnOrAfter = children(assertion, 'Conditions')[0]?.$?.['NotOnOrAfter'] ?? '';
  const keepUntil = (Date.parse(notOnOrAfter) || Date.now() + 3600_000) + clockSkewMs;
  try {
    await db.run(
      'INSERT INTO saml_assertions_seen (provider_id, assertion_id, expires_at) VALUES (?, ?, ?)',
      [providerId, assertionId, keepUntil],
    );
  } catch (error) {
    fail('this assertion was already used', error);
  }
  await db.run('DELETE FROM saml_assertions_seen WHERE expires_at < ?', [Date.now()]);
  const email = [
    profile.email,
    profile.mail,
    profile['urn:oid:0.9.2342.19200300.100.1.3'],
    profile.nameID,
  ].find((value): value is string => typeof value === 'string' && value.includes('@'));
  if (!email) return fail('the assertion names no email address');
  return { email: email.trim().toLowerCase(), nameId: profile.nameID };
}
