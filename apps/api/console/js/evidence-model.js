// The evidence of a code change as the views draw it, from GET /v1/admin/code-changes/{id}:
// evidence = { windows: [{ id, startsAt, endsAt, status }], exposureSeconds, slotSeconds,
//              sources: [{ sourceId, exposureSeconds, cells, slotTimes, closest }] }.

const windowOf = (w) => ({
  id: String(w.id),
  startsAt: w.startsAt,
  endsAt: w.endsAt,
  startsAtMs: Date.parse(w.startsAt),
  endsAtMs: Date.parse(w.endsAt),
  status: w.status ?? null,
});

/** { windows, exposures: [{ sourceId, seconds, slots: [{ fromMs, toMs }], cells, closest }] } */
export function evidenceOf(change) {
  const ev = change.evidence ?? {};
  const slotMs = 1000 * (ev.slotSeconds ?? 0);
  const exposures = (ev.sources ?? []).map((src) => ({
    sourceId: String(src.sourceId),
    seconds: Number(src.exposureSeconds ?? 0),
    slots: (src.slotTimes ?? [])
      .map((at) => Date.parse(at))
      .filter(Number.isFinite)
      .sort((a, b) => a - b)
      .map((fromMs) => ({ fromMs, toMs: fromMs + slotMs })),
    cells: (src.cells ?? []).map(String),
    closest: src.closest
      ? { meters: Number(src.closest.meters), secondsApart: Number(src.closest.secondsApart) }
      : null,
  }));
  return { windows: (ev.windows ?? []).map(windowOf), exposures };
}
