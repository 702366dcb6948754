// The console's shell: session, navigation, the status line and the page's keyboard shortcuts.
import { adminApi, whenSessionLost } from './api.js';
import { show, typingIn } from './dom.js';
import { parseHash } from './router.js';
import { currentSession, endSession } from './session.js';
import { renderEvidence } from './views/evidence.js';
import { renderLogin } from './views/login.js';
import { renderPerson } from './views/person.js';
import { renderQueue } from './views/queue.js';
import { renderWindows } from './views/windows.js';

const VIEWS = { queue: renderQueue, changes: renderEvidence, users: renderPerson, windows: renderWindows };

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
  who.textContent = session ? `${session.username} (${session.role})` : '';
  const { name } = parseHash(location.hash);
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = a.hasAttribute('data-admin-only') && session?.role !== 'admin';
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
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
  if (!session) {
    current = renderLogin(ctx, () => navigate(name && name !== 'login' ? location.hash : '#/queue')) ?? current;
    return;
  }
  const view = VIEWS[name];
  if (!view) {
    navigate('#/queue');
    return;
  }
  show(main);
  try {
    current = (await view(ctx)) ?? current;
    // A screen reader starts reading the new page, unless the view put the focus somewhere.
    if (!ctx.stale() && document.activeElement === document.body) main.focus({ preventScroll: true });
  } catch (err) {
    if (!ctx.stale()) say(`Could not show this page: ${err?.message ?? err}`, 'error');
  }
}

document.getElementById('logout').addEventListener('click', async () => {
  // The token is forgotten whatever the API answers (an expired one cannot log out).
  await adminApi.logout().catch(() => {});
  endSession();
  say('Logged out.');
  navigate('#/login');
});

whenSessionLost(() => {
  say('Your session has ended; please log in again.', 'error');
  void route();
});

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typingIn(event)) return;
  current.onKey?.(event);
});

window.addEventListener('hashchange', () => void route());
void route();
