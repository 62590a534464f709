import { parseIngestBatch, RunNotFoundError, RunNotRunningError } from '@runstream/domain';
import { startRedis, seqCoverageProblem, type RunningRedis } from '@runstream/testkit';
import { HotStore } from './hot-store';

let redis: RunningRedis;
let store: HotStore;

beforeAll(async () => {
  redis = await startRedis();
  store = HotStore.connect(redis.url);
});

afterAll(async () => {
  await store.close();
  await redis.stop();
});

async function allSeqs(run: string, variable: string): Promise<number[]> {
  const seqs: number[] = [];
  for await (const chunk of store.reader.chunks(run, variable)) {
    for (let i = 0; i < chunk.t.length; i++) seqs.push(chunk.first + i);
  }
  return seqs;
}

describe('HotStore', () => {
  it('creates a run once and answers the same run when the id is given again', async () => {
    const a = await store.runs.create({ id: 'r-create', meta: { model: 'x' } });
    const b = await store.runs.create({ id: 'r-create', meta: { model: 'other' } });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.run).toEqual(a.run);
    expect(a.run.meta).toEqual({ model: 'x' });
    const listed = await store.runs.list({ limit: 100 });
    expect(listed.filter((r) => r.id === 'r-create')).toHaveLength(1);
  });

  it('keeps the owning project with a run, and lists by project', async () => {
    const { run } = await store.runs.create({ id: 'r-owned' }, { project: 'acme' });
    expect(run.project).toBe('acme');
    const again = await store.runs.create({ id: 'r-owned' }, { project: 'globex' });
    expect(again).toEqual({ run, created: false });
    await store.runs.create({ id: 'r-unowned' });
    expect((await store.runs.get('r-unowned'))?.project).toBeUndefined();
    const ids = async (project: string) =>
      (await store.runs.list({ project, limit: 1000 })).map((r) => r.id);
    expect(await ids('acme')).toContain('r-owned');
    expect(await ids('acme')).not.toContain('r-unowned');
    expect(await ids('default')).toContain('r-unowned');
    expect(await ids('default')).not.toContain('r-owned');
    expect(await ids('globex')).toEqual([]);
  });

  it('assigns dense seqs and keeps stats', async () => {
    await store.runs.create({ id: 'r-seq' });
    const first = await store.writer.write(
      'r-seq',
      parseIngestBatch({ variables: { x: { t: [0, 1, 2], v: [5, -1, 7] } } }),
    );
    const second = await store.writer.write(
      'r-seq',
      parseIngestBatch({
        variables: { x: { t: [3], v: [{ $num: 'NaN' }] }, y: { t: [3], v: ['a'] } },
      }),
    );
    expect(first.ranges).toEqual([{ variable: 'x', first: 1, last: 3 }]);
    expect(second.ranges).toEqual([
      { variable: 'x', first: 4, last: 4 },
      { variable: 'y', first: 1, last: 1 },
    ]);
    expect(seqCoverageProblem(await allSeqs('r-seq', 'x'), 4)).toBeUndefined();
    const stats = await store.reader.variables('r-seq');
    expect(stats).toEqual([
      { name: 'x', count: 4, min: -1, max: 7, lastT: 3, lastV: { $num: 'NaN' }, tOrdered: true },
      { name: 'y', count: 1, lastT: 3, lastV: 'a', tOrdered: true },
    ]);
  });

  it('writes a retried (producer, batch) once and acknowledges it with the same ranges', async () => {
    await store.runs.create({ id: 'r-dup' });
    const body = { producer: 'p1', batch: 7, variables: { x: { t: [1, 2], v: [1, 2] } } };
    const a = await store.writer.write('r-dup', parseIngestBatch(body));
    const b = await store.writer.write('r-dup', parseIngestBatch(body));
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ duplicate: true, ranges: a.ranges });
    expect(await allSeqs('r-dup', 'x')).toEqual([1, 2]);
  });

  it('refuses unknown and non-running runs and writes nothing', async () => {
    const batch = parseIngestBatch({ variables: { x: { t: [1], v: [1] } } });
    await expect(store.writer.write('nope', batch)).rejects.toBeInstanceOf(RunNotFoundError);
    await store.runs.create({ id: 'r-done' });
    await store.redis.hset(store.keys.run('r-done'), 'status', 'completed');
    await expect(store.writer.write('r-done', batch)).rejects.toBeInstanceOf(RunNotRunningError);
    expect(await store.redis.exists(store.keys.buffer('r-done', 'x'))).toBe(0);
    expect(await store.redis.exists(store.keys.buffer('nope', 'x'))).toBe(0);
  });

  it('completes a run in two steps, idempotently, and forgets it only when completed and empty', async () => {
    const run = 'lifecycle';
    await store.runs.create({ id: run });
    await store.writer.write(run, parseIngestBatch({ variables: { x: { t: [1, 2], v: [1, 2] } } }));
    expect(await store.runs.sampleCount(run)).toBe(2);
    expect(await store.runs.forget(run)).toBe(false); // running

    expect(await store.runs.beginCompletion(run, 'idle')).toBe('completing');
    expect(await store.runs.beginCompletion(run, 'requested')).toBe('completing');
    expect(await store.runs.get(run)).toMatchObject({ status: 'completing', reason: 'idle' });
    await expect(
      store.writer.write(run, parseIngestBatch({ variables: { x: { t: [3], v: [3] } } })),
    ).rejects.toThrow(RunNotRunningError);

    const at = new Date('2026-01-01T00:00:00Z');
    expect(await store.runs.endCompletion(run, at)).toBe('completed');
    expect(await store.runs.endCompletion(run, new Date())).toBe('completed');
    expect(await store.runs.get(run)).toMatchObject({ completedAt: at.toISOString(), samples: 2 });
    expect(await store.runs.forget(run)).toBe(false); // its buffer still holds samples

    await store.redis.del(store.keys.buffer(run, 'x'));
    expect(await store.runs.forget(run)).toBe(true);
    expect(await store.redis.keys(`rs:{${run}}*`)).toEqual([]);
    expect(await store.runs.ids()).not.toContain(run);
    // Nothing is created for a run Redis does not know.
    expect(await store.runs.beginCompletion(run, 'requested')).toBeUndefined();
    expect(await store.runs.endCompletion(run)).toBeUndefined();
    expect(await store.redis.exists(store.keys.run(run))).toBe(0);
  });

  it('keeps 8 concurrent writers dense: every variable is exactly 1..N', async () => {
    await store.runs.create({ id: 'r-conc' });
    const variables = ['a', 'b', 'c'];
    await Promise.all(
      Array.from({ length: 8 }, async (_, p) => {
        for (let b = 0; b < 50; b++) {
          const body = {
            producer: `p${p}`,
            batch: b,
            variables: Object.fromEntries(variables.map((v) => [v, { t: [b, b], v: [p, b] }])),
          };
          await store.writer.write('r-conc', parseIngestBatch(body));
        }
      }),
    );
    for (const v of variables) {
      expect(seqCoverageProblem(await allSeqs('r-conc', v), 8 * 50 * 2)).toBeUndefined();
    }
  });
});
