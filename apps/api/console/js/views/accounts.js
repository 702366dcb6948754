// Admin accounts (admins): create reviewers and admins, disable and enable them, reset passwords.
// A generated password is shown once, on this page, and never again. Every change is audited.
import { adminApi, describeError } from '../api.js';
import { badge, field, h, listTable, show } from '../dom.js';
import { timeEl } from '../format.js';
import { t } from '../i18n.js';
import { currentSession } from '../session.js';

const ROLES = ['reviewer', 'admin'];

/** The one place a generated password appears: with a copy button, gone on the next page. */
function passwordCard(username, password) {
  const value = h('code', { id: 'generated-password' }, password);
  const copy = h('button', { type: 'button' }, t('accounts.copy'));
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(password).catch(() => {}));
  return h(
    'div',
    { class: 'card secret', role: 'alert' },
    h('p', null, t('accounts.passwordFor', { username })),
    h('p', null, value, ' ', copy),
    h('p', { class: 'hint' }, t('accounts.shownOnce')),
  );
}

function createForm({ say, rerender }) {
  const username = h('input', {
    name: 'newUsername',
    required: true,
    pattern: '[a-z0-9._\\-]{3,64}',
    maxlength: 64,
    autocomplete: 'off',
  });
  const role = h(
    'select',
    { name: 'role' },
    ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))),
  );
  const password = h('input', {
    name: 'newPassword',
    type: 'password',
    minlength: 12,
    maxlength: 256,
    autocomplete: 'new-password',
  });
  const submit = h('button', { type: 'submit' }, t('accounts.create'));
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-account-title' },
    h('h2', { id: 'create-account-title' }, t('accounts.createTitle')),
    h(
      'div',
      { class: 'toolbar' },
      field(t('accounts.username'), username, t('accounts.usernameHint')),
      field(t('accounts.role'), role),
      field(t('accounts.password'), password, t('accounts.passwordHint')),
      submit,
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const created = await adminApi.createAccount({
        username: username.value.trim(),
        role: role.value,
        ...(password.value ? { password: password.value } : {}),
      });
      await rerender(created.password ? passwordCard(created.username, created.password) : null);
      say(t('accounts.created', { username: created.username, role: t(`role.${created.role}`) }), 'ok');
    } catch (err) {
      say(describeError(err), 'error');
      submit.disabled = false;
    }
  });
  return form;
}

function actions(account, { say, rerender }) {
  const self = account.username === currentSession()?.username;
  const cell = h('td', { class: 'row-actions' });
  const act = async (button, fn, message) => {
    button.disabled = true;
    try {
      const result = await fn();
      // The table first, then the message: once the message shows, the page says the new state.
      await rerender(result?.password ? passwordCard(account.username, result.password) : null);
      say(t(message, { username: account.username }), 'ok');
    } catch (err) {
      say(describeError(err), 'error');
      button.disabled = false;
    }
  };
  const reset = h('button', { type: 'button', 'data-action': 'reset' }, t('accounts.reset'));
  reset.addEventListener(
    'click',
    () => void act(reset, () => adminApi.resetPassword(account.username), 'accounts.resetDone'),
  );
  if (account.disabled) {
    const enable = h('button', { type: 'button', 'data-action': 'enable' }, t('accounts.enable'));
    enable.addEventListener(
      'click',
      () => void act(enable, () => adminApi.enableAccount(account.username), 'accounts.enabled'),
    );
    show(cell, enable, ' ', reset);
    return cell;
  }
  const disable = h(
    'button',
    { type: 'button', class: 'reject', 'data-action': 'disable', disabled: self },
    t('accounts.disable'),
  );
  // Disabling asks for the reason first: it ends that official's sessions at once.
  disable.addEventListener('click', () => {
    const note = h('input', { name: 'disableNote', maxlength: 500, placeholder: t('common.optional') });
    const confirm = h(
      'button',
      { type: 'button', class: 'reject', 'data-action': 'confirm-disable' },
      t('accounts.confirmDisable'),
    );
    const cancel = h('button', { type: 'button' }, t('common.cancel'));
    confirm.addEventListener(
      'click',
      () =>
        void act(
          confirm,
          () => adminApi.disableAccount(account.username, note.value.trim() || undefined),
          'accounts.disabled',
        ),
    );
    cancel.addEventListener('click', () => show(cell, disable, ' ', reset));
    show(cell, field(t('accounts.disableNote'), note), confirm, ' ', cancel);
    note.focus();
  });
  show(cell, disable, ' ', reset);
  return cell;
}

export async function renderAccounts(ctx) {
  const draw = async (secret) => {
    const { items } = await adminApi.listAccounts();
    if (ctx.stale()) return;
    const deps = { say: ctx.say, rerender: draw };
    const headings = ['accounts.username', 'accounts.role', 'accounts.state', 'accounts.createdAt', 'accounts.actions'];
    show(
      ctx.main,
      h('h1', null, t('accounts.title')),
      secret,
      createForm(deps),
      listTable(
        t('accounts.title'),
        headings.map((k) => t(k)),
        items,
        (a) =>
          h(
            'tr',
            { 'data-username': a.username },
            h('td', null, a.username),
            h('td', null, t(`role.${a.role}`)),
            h(
              'td',
              null,
              badge(a.disabled ? 'disabled' : 'active', t(a.disabled ? 'accounts.isDisabled' : 'accounts.isActive')),
            ),
            h('td', null, timeEl(a.createdAt)),
            actions(a, deps),
          ),
      ),
    );
  };
  await draw(null);
  return null;
}
