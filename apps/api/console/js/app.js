// The console's shell: session, navigation, language and time zone, the status line and the
// page's keyboard shortcuts.
import { adminApi, whenSessionLost } from './api.js';
import { forgetBatch } from './claims.js';
import { h, show, typingIn } from './dom.js';
import { CATALOGUES, LOCALES, locale, onLocaleChange, setLocale, t, translateStatic } from './i18n.js';
import { parseHash } from './router.js';
import { currentSession, endSession } from './session.js';
import { setTimeZone, timeZone, timeZones } from './time-zone.js';
import { renderAccounts } from './views/accounts.js';
import { renderAudit } from './views/audit.js';
import { renderEvidence } from './views/evidence.js';
import { renderLogin } from './views/login.js';
import { renderPerson } from './views/person.js';
import { renderQueue } from './views/queue.js';
import { renderWindows } from './views/windows.js';

const VIEWS = {
  queue: renderQueue,
  changes: renderEvidence,
  users: renderPerson,
  windows: renderWindows,
  audit: renderAudit,
  accounts: renderAccounts,
};
const ADMIN_ONLY = new Set(['windows', 'audit', 'accounts']);

const main = document.getElementById('main');
const statusLine = document.getElementById('status');
let current = { onKey: null };
let renderCount = 0;
let saidAt = 0;

/** One line at the top of the page, read out by screen readers (role=status). */
function say(message, kind = 'info') {
  statusLine.textContent = message ?? '';
  statusLine.className = `status status-${kind}`;
  saidAt = Date.now();
}

function navigate(hash) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function showChrome(session) {
  document.getElementById('nav').hidden = !session;
  document.getElementById('logout').hidden = !session;
  const who = document.getElementById('who');
  who.hidden = !session;
  who.textContent = session ? t('shell.who', { username: session.username, role: t(`role.${session.role}`) }) : '';
  const { name } = parseHash(location.hash);
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = a.hasAttribute('data-admin-only') && session?.role !== 'admin';
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** The language and time-zone choosers in the header; a change redraws the page in place. */
function setUpPreferences() {
  const language = document.getElementById('language');
  show(
    language,
    LOCALES.map((l) => h('option', { value: l, selected: l === locale(), lang: l }, CATALOGUES[l]['meta.name'])),
  );
  language.addEventListener('change', () => setLocale(language.value));
  const zone = document.getElementById('time-zone');
  const chosen = timeZone();
  show(
    zone,
    timeZones(chosen).map((z) => h('option', { value: z, selected: z === chosen }, z)),
  );
  zone.addEventListener('change', () => {
    setTimeZone(zone.value);
    void route();
  });
}

function applyLanguage() {
  document.documentElement.lang = locale();
  document.title = t('shell.title');
  translateStatic(document);
  document.getElementById('language').value = locale();
}

async function route() {
  const ticket = ++renderCount;
  const session = currentSession();
  const { name, params, query } = parseHash(location.hash);
  // An action's message survives the page it navigates to, not the admin's next move.
  if (Date.now() - saidAt > 2000) say('');
  showChrome(session);
  current = { onKey: null };
  const ctx = {
    main,
    params,
    query,
    navigate,
    say,
    // A slow answer for a page the admin already left must not draw over the new one.
    stale: () => ticket !== renderCount,
  };
  // Which page the content shows, once it is drawn (scripts and tests wait on it, not on time).
  delete main.dataset.rendered;
  const drawn = () => !ctx.stale() && (main.dataset.rendered = location.hash || '#/');
  if (!session) {
    current = renderLogin(ctx, () => navigate(name && name !== 'login' ? location.hash : '#/queue')) ?? current;
    drawn();
    return;
  }
  const view = VIEWS[name];
  if (!view || (ADMIN_ONLY.has(name) && session.role !== 'admin')) {
    navigate('#/queue');
    return;
  }
  show(main);
  try {
    current = (await view(ctx)) ?? current;
    // A screen reader starts reading the new page, unless the view put the focus somewhere.
    if (!ctx.stale() && document.activeElement === document.body) main.focus({ preventScroll: true });
  } catch (err) {
    if (!ctx.stale()) say(t('shell.pageFailed', { message: err?.message ?? String(err) }), 'error');
  }
  drawn();
}

document.getElementById('logout').addEventListener('click', async () => {
  // The token is forgotten whatever the API answers (an expired one cannot log out).
  await adminApi.logout().catch(() => {});
  endSession();
  forgetBatch();
  say(t('shell.loggedOut'));
  navigate('#/login');
});

// A section's link while on that section shows it afresh (a hash that does not change fires nothing).
document.getElementById('nav').addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (link && link.getAttribute('href') === location.hash) {
    event.preventDefault();
    void route();
  }
});

whenSessionLost(() => {
  say(t('shell.sessionLost'), 'error');
  void route();
});

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typingIn(event)) return;
  current.onKey?.(event);
});

onLocaleChange(() => {
  applyLanguage();
  void route();
});

setUpPreferences();
applyLanguage();
window.addEventListener('hashchange', () => void route());
void route();
