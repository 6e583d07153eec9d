// /login: email + password → POST /api/auth/login, then on to ?next= (a local path) or /usage.
// An email on a domain an organisation has claimed for single sign-on goes to its IdP instead
// (POST /api/auth/sso/discover → redirectUrl), with no password asked.
import { api, safeNext } from './api.js';
import { busy, byId, showMessage } from './ui.js';

const next = safeNext(new URLSearchParams(location.search).get('next'));
const form = byId('login-form');
const error = byId('login-error');
const passwordField = byId('password-field');
const ssoNote = byId('sso-note');
const submit = byId('login-submit');
byId('email').focus();
// A single sign-on that failed comes back here with the reason.
const ssoError = new URLSearchParams(location.search).get('sso_error');
if (ssoError) showMessage(error, ssoError);

/** The SSO route for this email, or null; remembered per address so typing is not a request each time. */
let discovered = { email: null, redirectUrl: null };
async function discover(email) {
  if (discovered.email === email) return discovered.redirectUrl;
  let redirectUrl = null;
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    try {
      const answer = await api('/api/auth/sso/discover', {
        method: 'POST',
        body: { email },
        redirectOn401: false,
      });
      redirectUrl = answer?.sso ? answer.redirectUrl : null;
    } catch {
      redirectUrl = null; // the password path still works
    }
  }
  discovered = { email, redirectUrl };
  passwordField.hidden = redirectUrl !== null;
  ssoNote.hidden = redirectUrl === null;
  submit.textContent = redirectUrl === null ? 'Sign in' : 'Continue with single sign-on';
  return redirectUrl;
}

byId('email').addEventListener('change', () => discover(byId('email').value.trim()));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = byId('email').value.trim();
  const password = byId('password').value;
  if (!email) {
    showMessage(error, 'Enter your email and password.');
    byId('email').focus();
    return;
  }
  showMessage(error, '');
  await busy(submit, async () => {
    const redirectUrl = await discover(email);
    if (redirectUrl !== null) {
      location.assign(redirectUrl);
      return;
    }
    if (!password) {
      showMessage(error, 'Enter your email and password.');
      byId('password').focus();
      return;
    }
    try {
      await api('/api/auth/login', { method: 'POST', body: { email, password }, redirectOn401: false });
      location.assign(next);
    } catch (failure) {
      // 401: wrong email or password; 429: throttled, the message says for how long.
      showMessage(error, failure.message);
      byId('password').select();
    }
  });
});
