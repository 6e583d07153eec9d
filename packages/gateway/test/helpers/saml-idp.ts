import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { signXml } from '@node-saml/node-saml/lib/xml.js';
import { selfSignedCertificate, type TestCertificate } from './self-signed-cert.ts';

/**
 * A SAML 2.0 identity provider in the test: its metadata (pasted into the gateway's
 * settings) and SAML Responses built and signed with its own freshly generated key, in the
 * shape Okta or Azure AD send (signed assertion, bearer subject confirmation).
 * Core: https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf
 */
export const idpEntityId = 'https://idp.acme.test/saml';
export const idpSsoUrl = 'https://idp.acme.test/saml/sso';

export interface AssertionFields {
  email: string;
  inResponseTo: string;
  acsUrl: string;
  audience: string;
  /** Shift the whole validity window (ms from now); default now. */
  issuedAt?: number;
  lifetimeMs?: number;
  assertionId?: string;
}

export class TestSamlIdp {
  readonly cert: TestCertificate = selfSignedCertificate('idp.acme.test');
  readonly rogue: TestCertificate = selfSignedCertificate('idp.acme.test');

  metadataXml(): string {
    return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
${this.cert.certificateBase64.replace(/(.{64})/g, '$1\n')}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${idpSsoUrl}/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${idpSsoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  }

  /** The AuthnRequest ID from the gateway's HTTP-Redirect (`?SAMLRequest=` deflated, base64). */
  static requestIdOf(location: string): string {
    const request = new URL(location).searchParams.get('SAMLRequest')!;
    const xml = inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
    return /\sID="([^"]+)"/.exec(xml)![1]!;
  }

  assertionXml(fields: AssertionFields): string {
    const issued = Date.now() + (fields.issuedAt ?? 0);
    const until = issued + (fields.lifetimeMs ?? 5 * 60_000);
    const iso = (ms: number) => new Date(ms).toISOString();
    const id = fields.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
    return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(issued)}"><saml:Issuer>${idpEntityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${fields.email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${fields.inResponseTo}" NotOnOrAfter="${iso(until)}" Recipient="${fields.acsUrl}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(issued - 1000)}" NotOnOrAfter="${iso(until)}"><saml:AudienceRestriction><saml:Audience>${fields.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(issued)}" SessionIndex="_s${randomBytes(8).toString('hex')}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion>`;
  }

  /** Signs the assertion (enveloped signature after its Issuer), with the IdP key or the rogue one. */
  signAssertion(assertionXml: string, key: 'idp' | 'rogue' = 'idp'): string {
    const signer = key === 'idp' ? this.cert : this.rogue;
    return signXml(
      assertionXml,
      "//*[local-name(.)='Assertion']",
      { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
      {
        privateKey: signer.privateKeyPem,
        publicCert: signer.certificatePem,
        signatureAlgorithm: 'sha256',
        digestAlgorithm: 'sha256',
      },
    );
  }

  responseXml(fields: { inResponseTo: string; acsUrl: string }, assertions: string): string {
    const now = new Date().toISOString();
    return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${now}" Destination="${fields.acsUrl}" InResponseTo="${fields.inResponseTo}"><saml:Issuer>${idpEntityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertions}</samlp:Response>`;
  }
}

export const encodeForPost = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
