// /login: email + password → POST /api/auth/login, then on to ?next= (a local path) or /usage.
import { api, safeNext } from './api.js';
import { busy, byId, showMessage } from './ui.js';

const next = safeNext(new URLSearchParams(location.search).get('next'));
const form = byId('login-form');
const error = byId('login-error');
byId('email').focus();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = byId('email').value.trim();
  const password = byId('password').value;
  if (!email || !password) {
    showMessage(error, 'Enter your email and password.');
    (email ? byId('password') : byId('email')).focus();
    return;
  }
  showMessage(error, '');
  await busy(byId('login-submit'), async () => {
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
