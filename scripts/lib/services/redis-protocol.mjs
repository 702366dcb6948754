// Just enough RESP to probe a Redis without a client library (this runs before npm install).

import { tcpExchange } from './tcp-exchange.mjs';

function encodeResp(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return s;
}

/** Parse one RESP2 value at offset i; null if incomplete. */
function parseResp(buf, i = 0) {
  const crlf = buf.indexOf('\r\n', i);
  if (crlf < 0) return null;
  const t = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, crlf);
  const next = crlf + 2;
  switch (t) {
    case '+':
      return { value: { type: 'simple', value: line }, next };
    case '-':
      return { value: { type: 'error', value: line }, next };
    case ':':
      return { value: { type: 'int', value: Number(line) }, next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: { type: 'bulk', value: null }, next };
      if (buf.length < next + n + 2) return null;
      return { value: { type: 'bulk', value: buf.toString('utf8', next, next + n) }, next: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const items = [];
      let pos = next;
      for (let k = 0; k < n; k++) {
        const r = parseResp(buf, pos);
        if (!r) return null;
        items.push(r.value);
        pos = r.next;
      }
      return { value: { type: 'array', value: n < 0 ? null : items }, next: pos };
    }
    default:
      return { value: { type: 'garbage', value: line }, next };
  }
}

/**
 * Send one command over raw RESP. Resolves { type: 'down' } if refused, { type: 'closed' } if
 * the server closed without replying (SHUTDOWN), { type: 'timeout' } if no full reply.
 */
export function redisCommand(port, args, timeoutMs = 3000) {
  const reply = (buf) => parseResp(buf)?.value;
  return tcpExchange(
    port,
    encodeResp(args),
    reply,
    (connected, why) => ({ type: connected ? why : 'down' }),
    timeoutMs,
  );
}

/** 'ready' | 'loading' | 'down' | 'foreign' (answers, but not PONG) | 'auth' (needs a password). */
export async function redisPing(port) {
  const r = await redisCommand(port, ['PING']);
  if (r.type === 'simple' && r.value === 'PONG') return { state: 'ready' };
  if (r.type === 'error' && r.value.startsWith('LOADING')) return { state: 'loading' };
  if (r.type === 'error' && /NOAUTH|WRONGPASS/.test(r.value)) return { state: 'auth' };
  if (r.type === 'down') return { state: 'down' };
  return { state: 'foreign', detail: r.value ?? r.type };
}

export async function redisDirOf(port) {
  const r = await redisCommand(port, ['CONFIG', 'GET', 'dir']);
  if (r.type === 'array' && r.value?.length === 2) return r.value[1].value;
  return null;
}
