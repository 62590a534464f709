import { backoffStrategy, queueCatalog, RETRY_POLICIES } from './queue-catalog';

describe('backoffStrategy', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 20].map((n) => backoffStrategy(n, 'flush-retry'));
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect(backoffStrategy(30, 'merge-retry')).toBe(RETRY_POLICIES['merge-retry'].capMs);
  });

  it('refuses a backoff type of its own it does not know', () => {
    expect(() => backoffStrategy(1, 'nope')).toThrow(/unknown backoff type 'nope'/);
  });

  it('is what the catalog asks for, for every queue with a custom backoff', () => {
    for (const def of Object.values(queueCatalog)) {
      const backoff = def.jobOptions.backoff;
      if (typeof backoff === 'object' && !['fixed', 'exponential'].includes(backoff.type ?? ''))
        expect(Object.keys(RETRY_POLICIES)).toContain(backoff.type);
    }
  });
});

describe('the flush payload', () => {
  it('reads the reason an earlier version queued (memory) as today’s (pressure)', () => {
    const payload = { reason: 'memory', requestedAt: 1 };
    expect(queueCatalog.flush.payload.parse(payload)).toEqual({
      reason: 'pressure',
      requestedAt: 1,
    });
  });

  it('keeps today’s reasons and refuses unknown ones', () => {
    for (const reason of ['pressure', 'drain', 'forced'])
      expect(queueCatalog.flush.payload.parse({ reason, requestedAt: 1 }).reason).toBe(reason);
    expect(queueCatalog.flush.payload.safeParse({ reason: 'whim', requestedAt: 1 }).success).toBe(
      false,
    );
  });
});

describe('retried queues', () => {
  it('retry as often as their policy says, with its backoff', () => {
    expect(queueCatalog.flush.jobOptions).toMatchObject({
      attempts: RETRY_POLICIES['flush-retry'].attempts,
      backoff: { type: 'flush-retry' },
    });
    expect(queueCatalog.merge.jobOptions).toMatchObject({
      attempts: RETRY_POLICIES['merge-retry'].attempts,
      backoff: { type: 'merge-retry' },
    });
    expect(queueCatalog.compact.jobOptions).toMatchObject({
      attempts: RETRY_POLICIES['compact-retry'].attempts,
      backoff: { type: 'compact-retry' },
    });
    expect(backoffStrategy(30, 'compact-retry')).toBe(RETRY_POLICIES['compact-retry'].capMs);
  });
});

describe('the compact payload', () => {
  it('names a run and why, and is deduplicated per run', () => {
    const payload = { run: 'r-1', reason: 'segments', requestedAt: 1 } as const;
    expect(queueCatalog.compact.payload.parse(payload)).toEqual(payload);
    expect(queueCatalog.compact.deduplication?.id(payload)).toBe('compact-r-1');
    expect(queueCatalog.compact.payload.safeParse({ ...payload, reason: 'whim' }).success).toBe(
      false,
    );
    expect(queueCatalog.compact.payload.safeParse({ ...payload, run: 'a/b' }).success).toBe(false);
  });
});
