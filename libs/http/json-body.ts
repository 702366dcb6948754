import type { IncomingMessage } from 'node:http';
import secureJson from 'secure-json-parse';

/**
 * A refused body, as Fastify refuses it: `statusCode` goes through toErrorResponse like
 * Fastify's own errors do, so both lanes answer alike. `closeConnection` when the rest of the
 * body was not read (the connection cannot carry another request).
 */
export class BodyError extends Error {
  constructor(
    readonly statusCode: 400 | 413,
    readonly closeConnection = false,
  ) {
    super(statusCode === 413 ? 'request body too large' : 'body: not valid JSON');
  }
}

/** `application/json`, with at most a utf-8 charset: what the fast lane parses (other types go to Fastify). */
export function isPlainJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = contentType.toLowerCase();
  return t === 'application/json' || t === 'application/json; charset=utf-8';
}

/** Reads a body of at most `limitBytes` (413 beyond, without reading the rest). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) return Promise.reject(new BodyError(413, true));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off('data', onData);
        req.pause();
        reject(new BodyError(413, true));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size <= limitBytes) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
  });
}

/**
 * Parses a JSON body as Fastify's JSON parser does: an empty body is a 400, and so are
 * `__proto__` and `constructor.prototype` keys (secure-json-parse, the parser Fastify uses).
 */
export function parseJsonBody(body: Buffer): unknown {
  if (!body.length) throw new BodyError(400);
  try {
    return secureJson.parse(body.toString('utf8'), null, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new BodyError(400);
  }
}
