import {
  adminPasswordProblem,
  adminUsernameProblem,
  canRerunWindow,
  checkRevocation,
  loginDelayMs,
  type CodeState,
  type RevocationInput,
} from './admin-rules.js';

const green: CodeState = { color: 'green', reason: 'registered', expiresAtMs: null, infectiousFromMs: null };
const yellow: CodeState = { color: 'yellow', reason: 'exposure', expiresAtMs: 1_000, infectiousFromMs: null };
const base: RevocationInput = { status: 'applied', appliedVersion: 3, currentVersion: 3, previous: green };

describe('checkRevocation', () => {
  it.each([
    ['the newest applied change, back to green', {}, { ok: true, restore: green }],
    [
      'the newest applied change, back to an earlier yellow with its expiry',
      { previous: yellow },
      { ok: true, restore: yellow },
    ],
    ['a pending request', { status: 'pending' }, { ok: false, reason: expect.stringMatching(/applied/) }],
    ['a rejected request', { status: 'rejected' }, { ok: false, reason: expect.stringMatching(/applied/) }],
    ['a change already revoked', { status: 'revoked' }, { ok: false, reason: expect.stringMatching(/applied/) }],
    ['a change that wrote no code', { appliedVersion: null }, { ok: false, reason: expect.any(String) }],
    ['a change with a newer one on top', { currentVersion: 4 }, { ok: false, reason: expect.stringMatching(/newer/) }],
    ['no record of the code before', { previous: null }, { ok: false, reason: expect.stringMatching(/not recorded/) }],
    [
      'a previous yellow without its expiry',
      { previous: { ...yellow, expiresAtMs: null } },
      { ok: false, reason: expect.stringMatching(/not recorded/) },
    ],
    [
      'a previous red without its infectious start',
      { previous: { ...green, color: 'red' } },
      { ok: false, reason: expect.stringMatching(/not recorded/) },
    ],
  ] as [string, Partial<RevocationInput>, unknown][])('%s', (_, change, expected) => {
    expect(checkRevocation({ ...base, ...change })).toEqual(expected);
  });
});

describe('canRerunWindow', () => {
  it.each([
    ['open', false],
    ['closing', false],
    ['processing', false],
    ['done', true],
    ['failed', true],
    ['unknown', false],
  ])('%s -> %s', (status, expected) => {
    expect(canRerunWindow(status)).toBe(expected);
  });
});

describe('loginDelayMs', () => {
  const limits = { perUsernameAndAddress: 5, perAddress: 20, maxDelayMs: 4000 };
  it.each([
    [0, 0],
    [4, 0],
    [5, 250],
    [6, 500],
    [7, 1000],
    [9, 4000],
    [10, 4000],
    [10_000, 4000],
  ])('%i failures of the username from every address -> %i ms', (failures, ms) => {
    expect(loginDelayMs(failures, limits)).toBe(ms);
  });

  it('never delays when the longest delay is 0', () => {
    expect(loginDelayMs(100, { ...limits, maxDelayMs: 0 })).toBe(0);
  });
});

describe('admin account rules', () => {
  it.each([
    ['rita', null],
    ['a.b_c-9', null],
    ['ab', 'must be 3-64 of a-z 0-9 . _ -'],
    ['Rita', 'must be 3-64 of a-z 0-9 . _ -'],
    ['rita smith', 'must be 3-64 of a-z 0-9 . _ -'],
    ['x'.repeat(64), null],
    ['x'.repeat(65), 'must be 3-64 of a-z 0-9 . _ -'],
  ])('username %j -> %s', (name, problem) => {
    expect(adminUsernameProblem(name)).toBe(problem);
  });

  it.each([
    ['x'.repeat(11), 'must be at least 12 characters'],
    ['x'.repeat(12), null],
    ['x'.repeat(256), null],
    ['x'.repeat(257), 'must be at most 256 characters'],
  ])('password of %# -> %s', (password, problem) => {
    expect(adminPasswordProblem(password)).toBe(problem);
  });
});
