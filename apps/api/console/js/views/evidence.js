// One code change with its evidence: windows, each source's exposure and closest pings, the slot
// timeline and the local plan of the cells; approve/reject with a note (a/r), or revoke an
// applied one (admins). In a claimed batch, "next" leads to the batch's next request.
import { adminApi, describeError } from '../api.js';
import { cellPlan } from '../charts/cell-plan.js';
import { timeline } from '../charts/timeline.js';
import { nextInBatch } from '../claims.js';
import { badge, field, h, show } from '../dom.js';
import { evidenceOf } from '../evidence-model.js';
import { distance, duration, label, rangeEl } from '../format.js';
import { t } from '../i18n.js';
import { isAdmin } from '../session.js';
import { changeSummary } from './change-summary.js';

const PALETTE = 6;

function table(name, headings, rows) {
  return h(
    'table',
    { class: 'list', 'aria-label': name },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((k) => h('th', { scope: 'col' }, t(k))),
      ),
    ),
    h('tbody', null, rows),
  );
}

function windowsTable(windows) {
  return table(
    t('evidence.windows'),
    ['evidence.windowTime', 'evidence.windowStatus'],
    windows.map((w) =>
      h(
        'tr',
        null,
        h('td', null, rangeEl(w.startsAt, w.endsAt)),
        h('td', null, w.status ? badge(w.status, label('windowStatus', w.status)) : t('common.none')),
      ),
    ),
  );
}

function sourcesTable(exposures) {
  return table(
    t('evidence.sources'),
    ['evidence.source', 'evidence.exposure', 'evidence.slots', 'evidence.distance', 'evidence.apart', 'evidence.cells'],
    exposures.map((e, i) =>
      h(
        'tr',
        { 'data-source': e.sourceId },
        h(
          'td',
          null,
          h('span', { class: `key src-${i % PALETTE}` }),
          ' ',
          h('a', { href: `#/users/${encodeURIComponent(e.sourceId)}` }, e.sourceId),
        ),
        h('td', { class: 'num' }, duration(e.seconds)),
        h('td', { class: 'num' }, e.slots.length),
        h('td', { class: 'num distance' }, e.closest ? distance(e.closest.meters) : t('evidence.notKept')),
        h('td', { class: 'num' }, e.closest ? duration(e.closest.secondsApart) : t('evidence.notKept')),
        h('td', { class: 'num' }, e.cells.length),
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
    h('h2', { id: 'evidence-title' }, t('evidence.title')),
    h('h3', null, t('evidence.windows')),
    windowsTable(windows),
    h('h3', null, t('evidence.sources')),
    exposures.length ? sourcesTable(exposures) : h('p', { class: 'empty' }, t('evidence.noExposures')),
    h('h3', null, t('evidence.plan')),
    cellPlan(exposures),
    h('h3', null, t('evidence.times')),
    timeline(
      exposures.map((e, i) => ({
        label: t('evidence.sourceLabel', { id: e.sourceId }),
        cls: `src-${i % PALETTE}`,
        slots: e.slots,
      })),
      span ? { fromMs: span.startsAtMs, toMs: span.endsAtMs } : null,
    ),
  );
}

function decisionForm(change, { say, navigate }) {
  const note = h('input', {
    name: 'note',
    maxlength: 500,
    placeholder: t(change.status === 'pending' ? 'common.optional' : 'common.required'),
  });
  const next = nextInBatch(change.id);
  const act = async (what, button) => {
    button.disabled = true;
    try {
      const updated = await adminApi[what](change.id, note.value.trim() || undefined);
      say(t('evidence.decided', { id: change.id, status: label('status', updated.status) }), 'ok');
      navigate(`#/changes/${encodeURIComponent(next && what !== 'revoke' ? next : change.id)}`);
    } catch (err) {
      say(describeError(err), 'error');
      button.disabled = false;
    }
  };
  const button = (text, what, cls) => {
    const b = h('button', { type: 'button', class: cls }, text);
    b.addEventListener('click', () => void act(what, b));
    return b;
  };
  const form = h('form', { class: 'card decision', 'aria-label': t('evidence.decision') });
  // Enter in the note must not pick a decision for the admin.
  form.addEventListener('submit', (e) => e.preventDefault());
  if (change.status === 'pending') {
    const approve = button(t('evidence.approve'), 'approve', 'approve');
    const reject = button(t('evidence.reject'), 'reject', 'reject');
    show(
      form,
      field(t('evidence.note'), note),
      approve,
      reject,
      next ? h('small', null, t('evidence.thenNext')) : null,
    );
    return { form, keys: { a: () => approve.click(), r: () => reject.click() } };
  }
  if (change.status === 'applied' && isAdmin()) {
    show(form, field(t('evidence.revokeNote'), note), button(t('evidence.revoke'), 'revoke', 'reject'));
    return { form, keys: {} };
  }
  return { form: null, keys: {} };
}

export async function renderEvidence(ctx) {
  const [id] = ctx.params;
  const change = await adminApi.getChange(id).catch((err) => {
    show(
      ctx.main,
      h('h1', null, t('evidence.heading', { id })),
      h('p', { class: 'error', role: 'alert' }, describeError(err)),
    );
    return null;
  });
  if (!change || ctx.stale()) return null;
  const { form, keys } = decisionForm(change, ctx);
  const next = nextInBatch(change.id);
  show(
    ctx.main,
    h(
      'nav',
      { class: 'paging', 'aria-label': t('evidence.around') },
      h('a', { href: '#/queue' }, t('evidence.back')),
      next ? h('a', { href: `#/changes/${encodeURIComponent(next)}`, id: 'next-in-batch' }, t('evidence.next')) : null,
    ),
    h('h1', null, t('evidence.heading', { id: change.id })),
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
