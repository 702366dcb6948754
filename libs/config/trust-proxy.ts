import { isIP } from 'node:net';

/**
 * Whom the apps believe about the client's address (`X-Forwarded-For`): nobody (`null`, the
 * socket's peer is the client), the nearest `hops` proxies whatever their address, or only
 * proxies at the listed addresses, CIDRs or named ranges.
 */
export type TrustProxy = null | { hops: number } | { proxies: string[] };

// The named ranges @fastify/proxy-addr knows.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 32;

function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (!family) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * HC_TRUST_PROXY: unset, `false` or `0` trusts nobody; a number is how many proxies stand in
 * front; otherwise a comma-separated list of proxy addresses, CIDRs or named ranges. `true`
 * (trust every client's header) is refused: any client could then pick its own address.
 * Returns the setting, or why the value is refused.
 */
export function parseTrustProxy(value: string | undefined): { ok: TrustProxy } | { error: string } {
  const v = (value ?? '').trim();
  if (v === '' || v === 'false' || v === '0') return { ok: null };
  if (v === 'true')
    return {
      error:
        'must be a number of proxies (e.g. 1) or a list of proxy addresses or CIDRs (e.g. 10.0.0.0/8): true would let any client choose its address with X-Forwarded-For',
    };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= MAX_HOPS ? { ok: { hops } } : { error: `must be at most ${MAX_HOPS} proxies` };
  }
  const proxies = v.split(',').map((e) => e.trim());
  const bad = proxies.find((e) => !NAMED_RANGES.has(e) && !isAddressOrCidr(e));
  if (bad !== undefined)
    return {
      error: `has "${bad}", which is not an IP address, a CIDR (address/prefix), or one of loopback, linklocal, uniquelocal`,
    };
  return { ok: { proxies } };
}
