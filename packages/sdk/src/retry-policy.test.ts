import {
  backoffDelayMs,
  parseRetryAfterMs,
  retryDelayMs,
  statusVerdict,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_CAP_MS,
} from './retry-policy';

describe('backoffDelayMs (full jitter)', () => {
  it('grows as base * 2^(attempt-1) at the top of the random range', () => {
    const almostOne = 1 - Number.EPSILON;
    expect(backoffDelayMs(1, almostOne, { baseMs: 100, capMs: 1e9 })).toBe(99);
    expect(backoffDelayMs(2, almostOne, { baseMs: 100, capMs: 1e9 })).toBe(199);
    expect(backoffDelayMs(3, almostOne, { baseMs: 100, capMs: 1e9 })).toBe(399);
    expect(backoffDelayMs(4, 0.5, { baseMs: 100, capMs: 1e9 })).toBe(400);
  });

  it('is a uniform share of the ceiling: random 0 gives 0, random r gives r * ceiling', () => {
    expect(backoffDelayMs(5, 0)).toBe(0);
    expect(backoffDelayMs(3, 0.25)).toBe(Math.floor(0.25 * DEFAULT_RETRY_BASE_MS * 4));
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(backoffDelayMs(30, 0.999)).toBeLessThan(DEFAULT_RETRY_CAP_MS);
    expect(backoffDelayMs(30, 0.5)).toBe(DEFAULT_RETRY_CAP_MS / 2);
    expect(backoffDelayMs(5000, 0.5, { baseMs: 250, capMs: 1000 })).toBe(500);
  });

  it('uses the defaults base 250 ms and cap 30 s', () => {
    expect(DEFAULT_RETRY_BASE_MS).toBe(250);
    expect(DEFAULT_RETRY_CAP_MS).toBe(30_000);
    expect(backoffDelayMs(1, 0.5)).toBe(125);
  });

  it('clamps a random source outside [0, 1)', () => {
    expect(backoffDelayMs(1, -3, { baseMs: 100 })).toBe(0);
    expect(backoffDelayMs(1, 7, { baseMs: 100 })).toBe(100);
  });
});

describe('retryDelayMs', () => {
  it('takes Retry-After as a floor', () => {
    expect(retryDelayMs(1, 0.5, 5000, { baseMs: 100 })).toBe(5000);
  });
  it('keeps the backoff when it is longer than Retry-After', () => {
    expect(retryDelayMs(10, 0.5, 1000, { baseMs: 100, capMs: 60_000 })).toBe(25_600);
  });
  it('is the backoff when there is no Retry-After', () => {
    expect(retryDelayMs(2, 0.5, undefined, { baseMs: 100 })).toBe(100);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    expect(parseRetryAfterMs('1.5', now)).toBeUndefined();
  });
});

describe('statusVerdict', () => {
  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [413, 'split'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [400, 'fail'],
    [401, 'fail'],
    [403, 'fail'],
    [404, 'fail'],
    [409, 'fail'],
    [422, 'fail'],
  ] as const)('%i → %s', (status, verdict) => {
    expect(statusVerdict(status)).toBe(verdict);
  });
});
