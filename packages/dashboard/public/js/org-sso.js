// /settings/organization → Single sign-on (organization.js calls showSso for the selected org): OIDC (issuer, client id and secret; the discovery document
// is fetched and checked on save) and SAML (IdP metadata XML), the email-domain claim, and
// the URLs to give the IdP (redirect URI; ACS URL and SP metadata).
import { api } from './api.js';
import { busy, byId, h, showMessage } from './ui.js';

let orgId = null;

function typeChosen() {
  return document.querySelector('input[name="sso-type"]:checked').value;
}

function showType() {
  const type = typeChosen();
  byId('sso-oidc').hidden = type !== 'oidc';
  byId('sso-saml').hidden = type !== 'saml';
}

function copyRow(label, value, id) {
  return h(
    'div',
    { class: 'copy-row' },
    h('span', { class: 'copy-label' }, label),
    h('code', { id }, value),
    h(
      'button',
      {
        class: 'button button-quiet button-small',
        type: 'button',
        onclick: () => navigator.clipboard?.writeText(value),
      },
      'Copy',
    ),
  );
}

function providerItem(provider) {
  const urls =
    provider.type === 'oidc'
      ? [copyRow('Redirect URI', provider.redirectUri, `sso-redirect-${provider.id}`)]
      : [
          copyRow('ACS URL', provider.acsUrl, `sso-acs-${provider.id}`),
          copyRow('SP metadata', provider.metadataUrl, `sso-metadata-${provider.id}`),
        ];
  return h(
    'li',
    { class: 'sso-provider', dataset: { id: provider.id } },
    h(
      'p',
      {},
      h('strong', {}, provider.type === 'oidc' ? 'OpenID Connect' : 'SAML'),
      ` · ${provider.domain} · `,
      provider.checked
        ? h('span', { class: 'check-ok', id: `sso-check-${provider.id}` }, '✓ reachable')
        : h('span', { class: 'check-bad' }, 'not checked'),
      ' · ',
      provider.domainVerified
        ? h('span', { class: 'check-ok' }, '✓ domain verified')
        : h(
            'span',
            { class: 'check-bad' },
            `domain not verified: add TXT ${provider.domainVerification.txtName} = ${provider.domainVerification.txtValue}`,
          ),
      provider.ssoOnly ? ' · SSO only' : '',
    ),
    ...urls,
  );
}

async function loadProviders() {
  const { data } = await api(`/api/orgs/${encodeURIComponent(orgId)}/sso`);
  byId('sso-providers').replaceChildren(...data.map(providerItem));
  byId('sso-empty').hidden = data.length > 0;
}

let wired = false;

/** Shows the org's providers; the form only for roles with `sso.manage`. */
export async function showSso(id, canManage) {
  orgId = id;
  byId('sso-form').hidden = !canManage;
  await loadProviders();
  if (wired) return;
  wired = true;
  for (const radio of document.querySelectorAll('input[name="sso-type"]'))
    radio.addEventListener('change', showType);
  byId('sso-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const type = typeChosen();
    const body = {
      type,
      domain: byId('sso-domain').value.trim(),
      ssoOnly: byId('sso-only').checked,
      defaultRole: byId('sso-role').value,
      ...(type === 'oidc'
        ? {
            issuer: byId('sso-issuer').value.trim(),
            clientId: byId('sso-client-id').value.trim(),
            clientSecret: byId('sso-client-secret').value,
          }
        : { metadataXml: byId('sso-metadata').value }),
    };
    const result = byId('sso-result');
    showMessage(result, '');
    await busy(byId('sso-submit'), async () => {
      try {
        const saved = await api(`/api/orgs/${encodeURIComponent(orgId)}/sso`, { method: 'POST', body });
        const what = saved.type === 'oidc' ? 'the issuer answered its discovery document' : 'metadata read';
        showMessage(result, `Saved: ${what}.`, 'success');
        byId('sso-client-secret').value = '';
        await loadProviders();
      } catch (error) {
        showMessage(result, error.message);
      }
    });
  });
}
