// Log in: POST /v1/admin/sessions; the token goes to sessionStorage.
import { adminApi, describeError } from '../api.js';
import { field, h, show } from '../dom.js';
import { t } from '../i18n.js';
import { startSession } from '../session.js';

export function renderLogin({ main, say }, done) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
  });
  const button = h('button', { type: 'submit' }, t('login.submit'));
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('login.title')),
    field(t('login.username'), username),
    field(t('login.password'), password),
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = '';
    try {
      const session = await adminApi.login(username.value.trim(), password.value);
      startSession({ ...session, username: username.value.trim() });
      say('');
      done();
    } catch (err) {
      error.textContent = describeError(err);
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  show(main, form);
  username.focus();
}
