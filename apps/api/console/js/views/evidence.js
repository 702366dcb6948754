// One code change with its evidence: windows, exposure per source, the slot timeline and the
// cells as a grid picture; approve/reject with a note (a/r), or revoke an applied one (admins).
import { adminApi, describeError } from '../api.js';
import { cellGrid } from '../charts/cell-grid.js';
import { timeline } from '../charts/timeline.js';
import { badge, field, h, show } from '../dom.js';
import { evidenceOf } from '../evidence-model.js';
import { duration, when } from '../format.js';
import { isAdmin } from '../session.js';
import { changeSummary } from './change-summary.js';

function windowsTable(windows) {
  return h(
    'table',
    { class: 'list', 'aria-label': 'Windows' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Window', 'Starts', 'Ends', 'Status'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      null,
      windows.map((w) =>
        h(
          'tr',
          null,
          h('td', null, w.id),
          h('td', null, Number.isFinite(w.startsAtMs) ? when(new Date(w.startsAtMs).toISOString()) : '—'),
          h('td', null, Number.isFinite(w.endsAtMs) ? when(new Date(w.endsAtMs).toISOString()) : '—'),
          h('td', null, w.status ? badge(w.status) : '—'),
        ),
      ),
    ),
  );
}

function sourcesTable(exposures) {
  return h(
    'table',
    { class: 'list', 'aria-label': 'Sources' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Source', 'Exposure', 'Slots', 'Closest', 'Cells'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      null,
      exposures.map((e) =>
        h(
          'tr',
          null,
          h('td', null, h('a', { href: `#/users/${encodeURIComponent(e.sourceId)}` }, e.sourceId)),
          h('td', { class: 'num' }, duration(e.seconds)),
          h('td', { class: 'num' }, e.slots.length),
          h('td', null, e.closest ? `${e.closest.meters} m, ${duration(e.closest.secondsApart)} apart` : '-'),
          h('td', null, e.cells.length),
        ),
      ),
    ),
  );
}

function evidenceSection(change) {
  const { windows, exposures } = evidenceOf(change);
  const span = windows.find((w) => Number.isFinite(w.startsAtMs));
  return h(
    'section',
    { 'aria-labelledby': 'evidence-title' },
    h('h2', { id: 'evidence-title' }, 'Evidence'),
    h('h3', null, 'Windows'),
    windowsTable(windows),
    h('h3', null, 'Sources'),
    exposures.length ? sourcesTable(exposures) : h('p', { class: 'empty' }, 'No exposures recorded.'),
    h('h3', null, 'Times'),
    timeline(
      exposures.map((e) => ({ label: `source ${e.sourceId}`, slots: e.slots })),
      span ? { fromMs: span.startsAtMs, toMs: span.endsAtMs } : null,
    ),
    h('h3', null, 'Cells'),
    cellGrid(exposures.flatMap((e) => e.cells)),
  );
}

function decisionForm(change, { say, navigate }) {
  const note = h('input', {
    name: 'note',
    maxlength: 500,
    placeholder: change.status === 'pending' ? 'optional' : 'required',
  });
  const act = async (what, button) => {
    button.disabled = true;
    try {
      const updated = await adminApi[what](change.id, note.value.trim() || undefined);
      say(`Request ${change.id}: ${updated.status}.`, 'ok');
      navigate(`#/changes/${encodeURIComponent(change.id)}`);
    } catch (err) {
      say(describeError(err), 'error');
      button.disabled = false;
    }
  };
  const button = (label, what, cls) => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', () => void act(what, b));
    return b;
  };
  const form = h('form', { class: 'card decision', 'aria-label': 'Decision' });
  // Enter in the note must not pick a decision for the admin.
  form.addEventListener('submit', (e) => e.preventDefault());
  if (change.status === 'pending') {
    const approve = button('Approve (a)', 'approve', 'approve');
    const reject = button('Reject (r)', 'reject', 'reject');
    show(form, field('Note', note), approve, reject);
    return { form, keys: { a: () => approve.click(), r: () => reject.click() } };
  }
  if (change.status === 'applied' && isAdmin()) {
    show(form, field('Note (why it is undone)', note), button('Revoke', 'revoke', 'reject'));
    return { form, keys: {} };
  }
  return { form: null, keys: {} };
}

export async function renderEvidence(ctx) {
  const [id] = ctx.params;
  const change = await adminApi.getChange(id).catch((err) => {
    show(ctx.main, h('h1', null, `Request ${id}`), h('p', { class: 'error', role: 'alert' }, describeError(err)));
    return null;
  });
  if (!change || ctx.stale()) return null;
  const { form, keys } = decisionForm(change, ctx);
  show(
    ctx.main,
    h('p', null, h('a', { href: '#/queue' }, '← Review queue')),
    h('h1', null, `Request #${change.id}`),
    changeSummary(change),
    form,
    evidenceSection(change),
  );
  return {
    onKey(event) {
      if (keys[event.key]) {
        event.preventDefault();
        keys[event.key]();
      }
    },
  };
}
