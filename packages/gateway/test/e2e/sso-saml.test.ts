import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.ts';
import { addMember, findMembership } from '../../src/orgs/index.ts';
import { type AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type AssertionFields, encodeForPost, idpSsoUrl, TestSamlIdp } from '../helpers/saml-idp.ts';
import { CookieBrowser } from '../helpers/sso-browser.ts';

const password = 'correct horse battery';

describe('SAML single sign-on with a locally generated IdP key and certificate', () => {
  let harness: Harness;
  let root: string;
  let orgId: string;
  let owner: AccountClient;
  const idp = new TestSamlIdp();
  let providerId: string;
  let acsUrl: string;
  let entityId: string;

  beforeAll(async () => {
    harness = await startHarness();
    root = harness.gateway.url;
    await harness.newUser(0, { email: 'owner@acme.test', password });
    owner = await signedIn(root, 'owner@acme.test', password);
    orgId = (await owner.call('POST', '/api/orgs', { name: 'Acme Inc' })).body['id'] as string;
  });
  afterAll(() => harness.close());

  it('reads pasted IdP metadata, refuses metadata it cannot use, and serves SP metadata', async () => {
    const broken = await owner.call('POST', `/api/orgs/${orgId}/sso`, {
      type: 'saml',
      metadataXml: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
      domain: 'acme.test',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error?.message).toBe('metadataXml: no EntityDescriptor with an IDPSSODescriptor.');
    const notXml = await owner.call('POST', `/api/orgs/${orgId}/sso`, {
      type: 'saml',
      metadataXml: '<not xml',
      domain: 'acme.test',
    });
    expect(notXml.status).toBe(400);
    expect(notXml.body.error?.message).toMatch(/^metadataXml: not well-formed XML/);

    const saved = await owner.call('POST', `/api/orgs/${orgId}/sso`, {
      type: 'saml',
      metadataXml: idp.metadataXml(),
      domain: 'acme.test',
    });
    expect(saved.status).toBe(200);
    providerId = saved.body['id'] as string;
    acsUrl = saved.body['acsUrl'] as string;
    entityId = saved.body['entityId'] as string;
    expect(saved.body).toMatchObject({
      type: 'saml',
      domainVerified: true,
      idpEntityId: 'https://idp.acme.test/saml',
      idpSsoUrl,
      acsUrl: `${root}/api/auth/sso/${providerId}`,
      metadataUrl: `${root}/api/auth/sso/${providerId}/metadata`,
    });
    const metadata = await fetch(saved.body['metadataUrl'] as string);
    expect(metadata.status).toBe(200);
    const xml = await metadata.text();
    expect(xml).toContain(`entityID="${entityId}"`);
    expect(xml).toContain(`Location="${acsUrl}"`);
  });

  async function startLogin(browser: CookieBrowser): Promise<string> {
    const discover = await browser.request(`${root}/api/auth/sso/discover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@acme.test' }),
    });
    const found = (await discover.json()) as { sso: boolean; type: string; redirectUrl: string };
    expect(found).toMatchObject({ sso: true, type: 'saml' });
    const login = await browser.request(new URL(found.redirectUrl, root).href);
    expect(login.status).toBe(302);
    const location = login.headers.get('location')!;
    expect(location.startsWith(`${idpSsoUrl}?SAMLRequest=`)).toBe(true);
    return TestSamlIdp.requestIdOf(location);
  }

  async function post(browser: CookieBrowser, responseXml: string) {
    const response = await browser.request(acsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://idp.acme.test' },
      body: new URLSearchParams({ SAMLResponse: encodeForPost(responseXml) }).toString(),
    });
    return {
      status: response.status,
      text: await response.text(),
      session: browser.cookie(root, 'hypereal_session'),
    };
  }

  const fields = (inResponseTo: string, overrides: Partial<AssertionFields> = {}): AssertionFields => ({
    email: 'alice@acme.test',
    inResponseTo,
    acsUrl,
    audience: entityId,
    ...overrides,
  });

  async function signedResponse(browser: CookieBrowser, overrides: Partial<AssertionFields> = {}) {
    const requestId = await startLogin(browser);
    const assertion = idp.signAssertion(idp.assertionXml(fields(requestId, overrides)));
    return idp.responseXml({ inResponseTo: requestId, acsUrl }, assertion);
  }

  it('signs in with a valid signed assertion, just in time, with the org default role', async () => {
    const browser = new CookieBrowser();
    const result = await post(browser, await signedResponse(browser));
    expect(result.status).toBe(303);
    const session = await browser.request(`${root}/api/auth/session`);
    const body = (await session.json()) as { user: { id: string; email: string } };
    expect(body.user.email).toBe('alice@acme.test');
    expect((await findMembership(harness.db, orgId, body.user.id))?.role).toBe('viewer');
  });

  it('accepts a clock a little ahead (inside the skew) and refuses an expired assertion', async () => {
    const ahead = new CookieBrowser();
    expect((await post(ahead, await signedResponse(ahead, { issuedAt: 30_000 }))).status).toBe(303);
    const late = new CookieBrowser();
    const expired = await post(late, await signedResponse(late, { issuedAt: -20 * 60_000 }));
    expect(expired.status).toBe(401);
    // The bearer confirmation lapsed (its NotOnOrAfter is past, beyond the skew).
    expect(expired.text).toMatch(/No valid subject confirmation/);
    expect(expired.session).toBeUndefined();
  });

  it('refuses an unsigned assertion and one signed by another key', async () => {
    const a = new CookieBrowser();
    const requestId = await startLogin(a);
    const unsigned = await post(
      a,
      idp.responseXml({ inResponseTo: requestId, acsUrl }, idp.assertionXml(fields(requestId))),
    );
    expect(unsigned.status).toBe(401);
    expect(unsigned.session).toBeUndefined();

    const b = new CookieBrowser();
    const otherId = await startLogin(b);
    const rogue = idp.signAssertion(idp.assertionXml(fields(otherId)), 'rogue');
    const wronglySigned = await post(b, idp.responseXml({ inResponseTo: otherId, acsUrl }, rogue));
    expect(wronglySigned.status).toBe(401);
    expect(wronglySigned.text).toMatch(/signature/i);
    expect(wronglySigned.session).toBeUndefined();
  });

  it('is not fooled by XML signature wrapping', async () => {
    // Eve holds a genuinely signed assertion for herself and wraps it around one for Alice.
    const browser = new CookieBrowser();
    const requestId = await startLogin(browser);
    const genuine = idp.signAssertion(idp.assertionXml(fields(requestId, { email: 'eve@acme.test' })));
    const forged = idp.assertionXml(fields(requestId, { email: 'victim@acme.test' }));
    const siblings = idp.responseXml({ inResponseTo: requestId, acsUrl }, forged + genuine);
    const first = await post(browser, siblings);
    expect(first.status).toBe(401);
    expect(first.session).toBeUndefined();

    const again = new CookieBrowser();
    const secondId = await startLogin(again);
    const genuine2 = idp.signAssertion(idp.assertionXml(fields(secondId, { email: 'eve@acme.test' })));
    const nested = idp
      .assertionXml(fields(secondId, { email: 'victim@acme.test' }))
      .replace('</saml:Subject>', `</saml:Subject><saml:Advice>${genuine2}</saml:Advice>`);
    const wrapped = await post(again, idp.responseXml({ inResponseTo: secondId, acsUrl }, nested));
    expect(wrapped.status).toBe(401);
    expect(wrapped.session).toBeUndefined();
    expect(
      await harness.db.get('SELECT id FROM users WHERE email = ?', ['victim@acme.test']),
    ).toBeUndefined();
  });

  it('refuses a replayed response, an unknown InResponseTo, a wrong audience and a wrong recipient', async () => {
    const browser = new CookieBrowser();
    const response = await signedResponse(browser, { email: 'bob@acme.test' });
    expect((await post(browser, response)).status).toBe(303);
    const replay = await post(new CookieBrowser(), response);
    expect(replay.status).toBe(401);
    expect(replay.session).toBeUndefined();

    const unsolicited = new CookieBrowser();
    const assertion = idp.signAssertion(idp.assertionXml(fields('_never-issued')));
    const unknown = await post(
      unsolicited,
      idp.responseXml({ inResponseTo: '_never-issued', acsUrl }, assertion),
    );
    expect(unknown.status).toBe(401);
    expect(unknown.text).toMatch(/InResponseTo/);

    const c = new CookieBrowser();
    const audience = await post(c, await signedResponse(c, { audience: 'https://someone-else.test/sp' }));
    expect(audience.status).toBe(401);
    expect(audience.text).toMatch(/audience/i);
    expect(audience.session).toBeUndefined();

    const d = new CookieBrowser();
    const recipient = await post(d, await signedResponse(d, { acsUrl: 'https://someone-else.test/acs' }));
    expect(recipient.status).toBe(401);
    expect(recipient.session).toBeUndefined();
  });

  it('claims a domain no owner is on only through its DNS TXT record, and one org per domain', async () => {
    const txt = new Map<string, string[][]>();
    harness.gateway.services.resolveTxt = async (name) => {
      const records = txt.get(name);
      if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return records;
    };
    const saved = await owner.call('POST', `/api/orgs/${orgId}/sso`, {
      type: 'saml',
      metadataXml: idp.metadataXml(),
      domain: 'acme-labs.test',
    });
    expect(saved.body).toMatchObject({ domainVerified: false });
    const { txtName, txtValue } = saved.body['domainVerification'] as { txtName: string; txtValue: string };
    expect(txtName).toBe('_hypereal-sso.acme-labs.test');
    const discover = await fetch(`${root}/api/auth/sso/discover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@acme-labs.test' }),
    });
    expect(await discover.json()).toEqual({ sso: false });

    const path = `/api/orgs/${orgId}/sso/${saved.body['id'] as string}/verify-domain`;
    const early = await owner.call('POST', path);
    expect(early.status).toBe(400);
    expect(early.body.error?.message).toBe(`No TXT record ${txtValue} at ${txtName} yet.`);
    txt.set(txtName, [['v=spf1 -all'], [txtValue.slice(0, 10), txtValue.slice(10)]]);
    const verified = await owner.call('POST', path);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ domainVerified: true, domainVerifiedBy: 'dns-txt' });
    const audit = await listAudit(harness.db, { scope: { orgId } });
    expect(audit.map((entry) => entry.action)).toContain('sso.domain_verified');

    // A second org cannot take a domain the first one holds.
    await harness.newUser(0, { email: 'boss@rival.test', password });
    const rival = await signedIn(root, 'boss@rival.test', password);
    const rivalOrg = (await rival.call('POST', '/api/orgs', { name: 'Rival' })).body['id'] as string;
    const rivalSaved = await rival.call('POST', `/api/orgs/${rivalOrg}/sso`, {
      type: 'saml',
      metadataXml: idp.metadataXml(),
      domain: 'acme-labs.test',
    });
    const rivalToken = (rivalSaved.body['domainVerification'] as { txtValue: string }).txtValue;
    txt.set(txtName, [[rivalToken]]);
    const taken = await rival.call(
      'POST',
      `/api/orgs/${rivalOrg}/sso/${rivalSaved.body['id'] as string}/verify-domain`,
    );
    expect(taken.status).toBe(400);
    expect(taken.body.error?.message).toBe('Another organisation already holds the claim on acme-labs.test.');

    // A viewer may not see the SSO settings (the permission matrix: sso.view is Owner and Admin).
    const { user } = await harness.newUser(0, { email: 'viewer@acme.test', password });
    await addMember(harness.db, { orgId, userId: user.id, role: 'viewer' });
    const viewer = await signedIn(root, 'viewer@acme.test', password);
    const hidden = await viewer.call('GET', `/api/orgs/${orgId}/sso`);
    expect(hidden.status).toBe(403);
    expect(hidden.body.error?.message).toBe('Your role in Acme Inc (viewer) does not allow sso.view.');
  });
});
