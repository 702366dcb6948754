// The review queue's filter, sort and page as the location hash holds them, checked, and as the
// admin API takes them (GET query, CSV export, bulk-by-filter and claims bodies). Pure: no DOM.

export const STATUSES = ['pending', 'applied', 'rejected', 'superseded', 'revoked'];
export const KINDS = ['auto', 'review'];
export const SORTS = ['age', 'exposure', 'window'];
export const ORDERS = ['asc', 'desc'];
export const PAGE_SIZES = [25, 50, 100, 200, 500];
export const DEFAULT_PAGE_SIZE = 50;

const GEOHASH_PREFIX = /^[0-9b-hjkmnp-z]{1,8}$/;
const USER_ID = /^[1-9]\d{0,17}$/;
const USERNAME = /^[a-z0-9._-]{3,64}$/;

const whole = (text) => (/^\d{1,9}$/.test(text ?? '') ? Number(text) : null);
const instant = (text) => (text && Number.isFinite(Date.parse(text)) ? new Date(Date.parse(text)).toISOString() : null);

/**
 * { filter, sort, order, page, pageSize } from the hash's query; a value that does not parse is
 * left out (and named in `invalid`), so a hand-edited link never sends the API a bad request.
 * status "all" means no status filter; no status at all means pending (the reviewer's default).
 */
export function queueStateFrom(query) {
  const invalid = [];
  const read = (name, parse) => {
    const text = (query.get(name) ?? '').trim();
    if (!text) return undefined;
    const value = parse(text);
    if (value === null) invalid.push(name);
    return value ?? undefined;
  };
  const oneOf = (list) => (text) => (list.includes(text) ? text : null);
  const matching = (re) => (text) => (re.test(text) ? text : null);
  const statusText = read('status', oneOf([...STATUSES, 'all'])) ?? 'pending';
  const filter = {
    status: statusText === 'all' ? undefined : statusText,
    kind: read('kind', oneOf(KINDS)),
    exposureMin: read('exposureMin', whole),
    exposureMax: read('exposureMax', whole),
    from: read('from', instant),
    to: read('to', instant),
    area: read('area', (text) => matching(GEOHASH_PREFIX)(text.toLowerCase())),
    source: read('source', matching(USER_ID)),
    decidedBy: read('decidedBy', matching(USERNAME)),
  };
  const pageSize = read('pageSize', (text) => (PAGE_SIZES.includes(whole(text)) ? whole(text) : null));
  return {
    filter: dropEmpty(filter),
    statusAll: statusText === 'all',
    sort: read('sort', oneOf(SORTS)) ?? 'age',
    order: read('order', oneOf(ORDERS)) ?? 'asc',
    page: Math.max(1, read('page', whole) ?? 1),
    pageSize: pageSize ?? DEFAULT_PAGE_SIZE,
    invalid,
  };
}

function dropEmpty(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out;
}

/** The hash query of a state (defaults left out, so links stay short). */
export function queueHashQuery({ filter, statusAll, sort, order, page, pageSize }) {
  return dropEmpty({
    ...filter,
    status: statusAll ? 'all' : filter.status === 'pending' ? undefined : filter.status,
    sort: sort === 'age' ? undefined : sort,
    order: order === 'asc' ? undefined : order,
    page: page > 1 ? page : undefined,
    pageSize: pageSize === DEFAULT_PAGE_SIZE ? undefined : pageSize,
  });
}

/** The filter as the API's bodies take it (bulk-by-filter, claims): only the fields set. */
export const filterBody = (filter) => dropEmpty({ ...filter });

/** The GET query of the list and the CSV export: the filter plus sort and page. */
export const listQuery = ({ filter, sort, order, page, pageSize }) =>
  dropEmpty({ ...filter, sort, order, page, pageSize });

/** Pages of a total: { pages, first, last } (1-based rows shown), and whether there are neighbours. */
export function pageInfo(total, page, pageSize) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total ? (page - 1) * pageSize + 1 : 0;
  const last = Math.min(total, page * pageSize);
  return { pages, first, last, hasPrevious: page > 1, hasNext: page < pages };
}
