// Decisions on many requests at once, and claiming a batch:
// - the ticked rows of the page (POST /code-changes/decisions);
// - every request matching the filter, decided by the server: preview the count, the official
//   confirms that count, then it runs (POST /code-changes/bulk-by-filter; 409 when the count moved);
// - a batch of the oldest unclaimed matching requests for this reviewer (POST /code-changes/claims).
import { ApiError, adminApi, describeError } from '../api.js';
import { forgetBatch, myBatch, rememberBatch } from '../claims.js';
import { field, h, show } from '../dom.js';
import { filterBody } from '../filters.js';
import { timeEl } from '../format.js';
import { t, tx } from '../i18n.js';
import { describeFilter } from './queue-filters.js';

/** Approve/reject buttons for the ticked rows (or the current one). */
export function pageDecisions({ note, selectedIds, say, refresh }) {
  const approve = h('button', { type: 'button', class: 'approve', id: 'approve-selected' }, t('bulk.approveSelected'));
  const reject = h('button', { type: 'button', class: 'reject', id: 'reject-selected' }, t('bulk.rejectSelected'));
  const decide = async (decision) => {
    const ids = selectedIds();
    if (!ids.length) {
      say(t('bulk.selectFirst'), 'error');
      return;
    }
    approve.disabled = reject.disabled = true;
    try {
      const { items } = await adminApi.decide(ids, decision, note.value.trim() || undefined);
      // An item someone else decided first comes back with an error code (CONFLICT) and its status.
      const failed = items.filter((item) => item.error).length;
      say(t(`bulk.pageDone.${decision}`, { count: items.length - failed, failed }), failed ? 'error' : 'ok');
      refresh();
    } catch (err) {
      say(describeError(err), 'error');
      approve.disabled = reject.disabled = false;
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));
  return { buttons: [approve, reject], decide };
}

/** "Select all N matching the filter": preview, confirm the count, run. */
export function selectAllMatching({ filter, total, note, say, refresh }) {
  const panel = h('div', { id: 'bulk-by-filter', class: 'bulk-panel', 'aria-live': 'polite' });
  const start = h(
    'button',
    { type: 'button', id: 'select-all-matching' },
    t('bulk.selectAllMatching', { count: total }),
  );
  const body = filterBody(filter);

  const confirm = ({ count, token }) => {
    if (!count) {
      show(panel, h('p', null, t('bulk.noneMatch')));
      return;
    }
    const run = async (decision, button) => {
      for (const b of panel.querySelectorAll('button')) b.disabled = true;
      try {
        const { decided } = await adminApi.decideByFilter({
          filter: body,
          decision,
          note: note.value.trim() || undefined,
          expectedCount: count,
          token,
        });
        say(t(`bulk.filterDone.${decision}`, { count: decided }), 'ok');
        refresh();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          // The matching set moved since the preview: show the new count and ask again.
          say(t('bulk.countChanged'), 'error');
          void preview();
          return;
        }
        say(describeError(err), 'error');
        button.disabled = false;
      }
    };
    const button = (decision, cls) => {
      const b = h(
        'button',
        { type: 'button', class: cls, 'data-decision': decision },
        t(`bulk.all.${decision}`, { count }),
      );
      b.addEventListener('click', () => void run(decision, b));
      return b;
    };
    const cancel = h('button', { type: 'button' }, t('common.cancel'));
    cancel.addEventListener('click', () => show(panel, start));
    show(
      panel,
      h(
        'div',
        { class: 'card confirm', role: 'group', 'aria-labelledby': 'bulk-confirm-title' },
        h('p', { id: 'bulk-confirm-title' }, h('strong', null, t('bulk.confirm', { count }))),
        h(
          'ul',
          { class: 'filter-words' },
          describeFilter(filter).map((text) => h('li', null, text)),
        ),
        h('p', { class: 'hint' }, t('bulk.confirmHint')),
        button('approve', 'approve'),
        ' ',
        button('reject', 'reject'),
        ' ',
        cancel,
      ),
    );
    panel.querySelector('button')?.focus();
  };

  const preview = async () => {
    start.disabled = true;
    try {
      confirm(await adminApi.previewByFilter(body));
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      start.disabled = false;
    }
  };
  start.addEventListener('click', () => void preview());
  show(panel, start);
  return panel;
}

/** Claim a batch of the oldest unclaimed matching requests; release this reviewer's claims. */
export function claimPanel({ filter, say, refresh }) {
  const count = h('input', { name: 'claimCount', type: 'number', min: 1, max: 200, step: 1, value: 50 });
  const claim = h('button', { type: 'button', id: 'claim-batch' }, t('claim.claim'));
  const release = h('button', { type: 'button', id: 'release-claims' }, t('claim.release'));
  claim.addEventListener('click', async () => {
    claim.disabled = true;
    try {
      const { claimed, expiresAt } = await adminApi.claim(Number(count.value) || 50, filterBody(filter));
      if (claimed.length)
        rememberBatch(
          claimed.map((c) => c.id),
          expiresAt,
        );
      say(
        claimed.length ? t('claim.claimed', { count: claimed.length }) : t('claim.noneLeft'),
        claimed.length ? 'ok' : 'error',
      );
      refresh();
    } catch (err) {
      say(describeError(err), 'error');
      claim.disabled = false;
    }
  });
  release.addEventListener('click', async () => {
    release.disabled = true;
    try {
      const { released } = await adminApi.releaseClaims();
      forgetBatch();
      say(t('claim.released', { count: released }), 'ok');
      refresh();
    } catch (err) {
      say(describeError(err), 'error');
      release.disabled = false;
    }
  });
  const batch = myBatch();
  return h(
    'div',
    { class: 'toolbar claims', id: 'claims' },
    field(t('claim.count'), count),
    claim,
    release,
    batch
      ? h(
          'p',
          { id: 'my-batch', class: 'hint' },
          tx('claim.myBatch', {
            count: batch.ids.length,
            until: timeEl(batch.expiresAt),
            first: h('a', { href: `#/changes/${encodeURIComponent(batch.ids[0])}` }, t('claim.openFirst')),
          }),
        )
      : null,
  );
}
