// One request on a fresh loopback connection, for the probes of Postgres and Redis.

import net from 'node:net';
import { HOST } from './settings.mjs';

/**
 * Connects to HOST:port, writes `request` and resolves with the first value `parse` makes of
 * the bytes received so far (undefined: not complete yet). Without one, resolves with
 * `noReply(connected, why)`: refused (connected false), or `why` 'closed' or 'timeout'.
 */
export function tcpExchange(port, request, parse, noReply, timeoutMs) {
  return new Promise((resolve) => {
    let connected = false;
    let buf = Buffer.alloc(0);
    let settled = false;
    const sock = net.createConnection({ host: HOST, port });
    const finish = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(noReply(connected, 'timeout')), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      sock.write(request);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const value = parse(buf);
      if (value !== undefined) finish(value);
    });
    sock.on('error', () => finish(noReply(connected, 'closed')));
    sock.on('close', () => finish(noReply(connected, 'closed')));
  });
}
