import { createHmac, randomBytes } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { HS256_HEADER, HmacSha256, verifyHs256 } from './hs256.js';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const key = new HmacSha256(secret);
const sign = createSigner({ key: secret, algorithm: 'HS256' });
const now = 1_800_000_000_000;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const hmac = (data: string, k = secret) => createHmac('sha256', k).update(data).digest('base64url');
const forge = (header: string, payload: string, k = secret) =>
  `${header}.${payload}.${hmac(`${header}.${payload}`, k)}`;

describe('HmacSha256', () => {
  it.each([
    ['a short key', 'k'],
    ['a 64-byte key', 'x'.repeat(64)],
    ['a key longer than the block', 'y'.repeat(100)],
    ['our secret', secret],
  ])('equals node:crypto HMAC-SHA256 for %s', (_, k) => {
    const mac = new HmacSha256(k);
    for (let i = 0; i < 50; i++) {
      const message = randomBytes(i * 7).toString('base64url');
      expect(mac.digest(message).equals(createHmac('sha256', k).update(message).digest())).toBe(true);
    }
  });
});

describe('verifyHs256', () => {
  it('accepts a token from the signer and returns its claims', () => {
    expect(verifyHs256(sign({ sub: '42', typ: 'user' }), key, now)).toMatchObject({ sub: '42', typ: 'user' });
  });

  it('matches the header the signer writes', () => {
    expect(sign({ sub: '1' }).split('.')[0]).toBe(HS256_HEADER);
  });

  it.each([
    ['an empty string', ''],
    ['no dots', 'abc'],
    ['one dot', `${HS256_HEADER}.abc`],
    [
      'a payload changed after signing',
      (() => {
        const [h, , s] = sign({ sub: '1' }).split('.');
        return `${h}.${b64({ sub: '2' })}.${s}`;
      })(),
    ],
    ['a signature changed', sign({ sub: '1' }).slice(0, -2) + 'AA'],
    [
      'a signature from another key',
      forge(HS256_HEADER, b64({ sub: '1' }), 'another-secret-of-thirty-two-characters!'),
    ],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '1' })}.`],
    ['another algorithm in the header', forge(b64({ alg: 'HS512', typ: 'JWT' }), b64({ sub: '1' }))],
    ['a payload that is not JSON', forge(HS256_HEADER, Buffer.from('not json').toString('base64url'))],
    ['a payload that is an array', forge(HS256_HEADER, b64(['sub']))],
    ['an expired token', forge(HS256_HEADER, b64({ sub: '1', exp: now / 1000 - 1 }))],
    ['a token expiring exactly now', forge(HS256_HEADER, b64({ sub: '1', exp: now / 1000 }))],
    ['an exp that is not a number', forge(HS256_HEADER, b64({ sub: '1', exp: 'tomorrow' }))],
    ['a token with characters outside base64url', `${HS256_HEADER}.é${b64({ sub: '1' })}.x`],
  ])('refuses %s', (_, token) => {
    expect(verifyHs256(token, key, now)).toBeNull();
  });

  // The same 32 bytes written another way: base64url has one canonical form, and a token that is
  // not byte-for-byte the one we signed is not ours (no signature malleability).
  describe('refuses a signature in a non-canonical form', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A token whose signature has a '-' (which standard base64 writes '+').
    const token = Array.from({ length: 200 }, (_, i) => forge(HS256_HEADER, b64({ sub: String(i) }))).find((t) =>
      t.split('.')[2].includes('-'),
    )!;
    const [h, p, s] = token.split('.');
    // Differs from the last character only in its two unused low bits.
    const sibling = alphabet[alphabet.indexOf(s[42]) ^ 1];
    it.each([
      ['padding after it', `${h}.${p}.${s}=`],
      ['the last character with its unused bits set', `${h}.${p}.${s.slice(0, 42)}${sibling}`],
      ["standard base64's '+' for '-'", `${h}.${p}.${s.replace('-', '+')}`],
      ['a character that decoding skips', `${h}.${p}.${s.slice(0, 20)}!${s.slice(20)}`],
    ])('%s', (_, forged) => {
      expect(verifyHs256(token, key, now)).not.toBeNull();
      expect(forged).not.toBe(token);
      expect(verifyHs256(forged, key, now)).toBeNull();
    });
  });

  it('accepts a token whose exp is in the future', () => {
    expect(verifyHs256(forge(HS256_HEADER, b64({ sub: '1', exp: now / 1000 + 1 })), key, now)).toMatchObject({
      sub: '1',
    });
  });
});
