import type { Run } from '@runstream/domain';
import { filterRuns, statusText } from './run-filter';

const run = (id: string, status: Run['status'], meta: Run['meta'] = {}): Run => ({
  id,
  status,
  createdAt: '2026-01-01T00:00:00Z',
  samples: 0,
  meta,
});

describe('filterRuns', () => {
  const runs = [
    run('demo-1', 'running', { model: 'lorenz' }),
    run('demo-2', 'completed', { seed: 4 }),
    run('sweep-7', 'completing'),
  ];

  it('filters by status and searches ids, meta keys and values (any case)', () => {
    expect(filterRuns(runs, 'all', '').map((r) => r.id)).toEqual(['demo-1', 'demo-2', 'sweep-7']);
    expect(filterRuns(runs, 'completed', '').map((r) => r.id)).toEqual(['demo-2']);
    expect(filterRuns(runs, 'all', 'SWEEP').map((r) => r.id)).toEqual(['sweep-7']);
    expect(filterRuns(runs, 'all', 'Lorenz').map((r) => r.id)).toEqual(['demo-1']);
    expect(filterRuns(runs, 'all', 'seed').map((r) => r.id)).toEqual(['demo-2']);
    expect(filterRuns(runs, 'running', 'seed')).toEqual([]);
  });

  it('says why a run completed', () => {
    expect(statusText({ ...run('a', 'completed'), reason: 'idle' })).toBe('completed (idle)');
    expect(statusText(run('a', 'running'))).toBe('running');
  });
});
