import { packageOf, summarizeCpuProfile, type CpuProfile } from './cpu-profile-summary';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

describe('packageOf', () => {
  it('names dependencies, scoped ones included', () => {
    expect(packageOf('file:///w/node_modules/zod/v4/core/schemas.cjs', 'parse')).toBe('zod');
    expect(packageOf('file:///w/node_modules/@socket.io/x/index.js', 'f')).toBe('@socket.io/x');
  });

  it('names workspace packages and apps', () => {
    expect(packageOf('file:///work/main/packages/hot-store/dist/batch-writer.js', 'write')).toBe(
      '@runstream/hot-store',
    );
    expect(packageOf('file:///work/main/apps/ingest/dist/app.js', 'f')).toBe('@runstream/ingest');
  });

  it('keeps V8 pseudo-frames and groups node internals', () => {
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('', 'writev')).toBe('(native)');
    expect(packageOf('node:internal/streams/readable', 'f')).toBe('node:internal');
  });
});

describe('summarizeCpuProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(idle)') },
      { id: 2, callFrame: frame('parse', 'file:///w/node_modules/zod/a.js', 9) },
      { id: 3, callFrame: frame('write', 'file:///w/packages/hot-store/dist/b.js', 20) },
    ],
    samples: [1, 2, 3, 3, 1],
    timeDeltas: [5000, 1000, 2000, 1000, 5000],
  };

  it('splits idle from busy time and ranks self time', () => {
    const s = summarizeCpuProfile(profile);
    expect(s.idleMs).toBe(10);
    expect(s.busyMs).toBe(4);
    expect(s.byPackage).toEqual([
      { name: '@runstream/hot-store', ms: 3, share: 0.75 },
      { name: 'zod', ms: 1, share: 0.25 },
    ]);
    expect(s.byFunction[0]?.name).toBe('write packages/hot-store/dist/b.js:21');
  });

  it('keeps only the top entries', () => {
    expect(summarizeCpuProfile(profile, 1).byFunction).toHaveLength(1);
  });
});
