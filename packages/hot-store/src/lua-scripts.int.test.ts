import { startRedis, type RunningRedis } from '@runstream/testkit';
import { Redis } from 'ioredis';
import type { WireValue } from '@runstream/domain';
import { ackField, HotKeys } from './keys';
import { encodeBody, encodePackedChunk } from './packed-chunk';
import { withRunstreamCommands, type RunstreamRedis } from './redis-commands';
import { firstSeqOf, storedChunkText } from './stored-chunk';

// Each script called through its command with the KEYS and ARGV its header
// documents, and each return value its header promises.

let server: RunningRedis;
let redis: RunstreamRedis;
const keys = new HotKeys();
const CREATED = '2024-05-01T10:00:00.000Z';

beforeAll(async () => {
  server = await startRedis();
  redis = withRunstreamCommands(new Redis(server.url));
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const createRun = (run: string, meta = '{}') =>
  redis.rsCreateRun(keys.run(run), run, CREATED, meta);

async function runWithStatus(run: string, status: string): Promise<void> {
  await createRun(run);
  await redis.hset(keys.run(run), 'status', status);
}

interface Series {
  name: string;
  t: number[];
  v: unknown[];
  min?: number;
  max?: number;
}

/** KEYS and ARGV laid out as write-batch-n.lua's header says. */
function writeBatch(run: string, series: Series[], ack?: { producer: string; batch: number }) {
  const k = [keys.run(run), keys.acks(run), keys.variables(run), keys.dirty(run)];
  const a: (string | Buffer)[] =
    ack === undefined ? ['', ''] : [ackField(ack.producer, ack.batch), String(ack.batch)];
  a.push(JSON.stringify(series.map((s) => s.name)));
  for (const { name, t, v, min = '', max = '' } of series) {
    k.push(keys.buffer(run, name), keys.stats(run, name));
    a.push(name, String(t.length), encodeBody(t, v as WireValue[]), String(min), String(max));
    a.push(String(t.at(-1)), JSON.stringify(v.at(-1)));
    a.push(String(t[0]), t.every((x, i) => i === 0 || x >= t[i - 1]!) ? '1' : '0');
  }
  return redis.rsWriteBatch(k.length, k, a);
}

/** A chunk list's entries as JSON chunk texts (see storedChunkText). */
const chunkTexts = async (key: string, stop = -1) =>
  (await redis.lrangeBuffer(key, 0, stop)).map(storedChunkText);

const x = (t: number[], min?: number, max?: number): Series => ({ name: 'x', t, v: t, min, max });

/** KEYS laid out as forget-run-n.lua's header says. */
function forgetRun(run: string, names: string[]) {
  const k = [
    keys.run(run),
    keys.pending(run),
    keys.dirty(run),
    keys.variables(run),
    keys.acks(run),
  ];
  for (const n of names) k.push(keys.buffer(run, n), keys.stats(run, n), keys.transfers(run, n));
  return redis.rsForgetRun(k.length, k);
}

/** KEYS and ARGV of begin-transfer-6.lua and end-transfer-3.lua. */
const beginTransfer = (run: string, variable: string, id: string) =>
  redis.rsBeginTransfer(
    keys.buffer(run, variable),
    keys.transfer(run, variable, id),
    keys.transfers(run, variable),
    keys.pending(run),
    keys.dirty(run),
    keys.run(run),
    variable,
  );
const endTransfer = (run: string, variable: string, id: string) =>
  redis.rsEndTransfer(
    keys.transfer(run, variable, id),
    keys.transfers(run, variable),
    keys.pending(run),
    variable,
  );

describe('create-run-1.lua', () => {
  it('returns 1 when it creates the run, as running', async () => {
    expect(await createRun('c1', '{"model":"m"}')).toBe(1);
    expect(await redis.hgetall(keys.run('c1'))).toEqual({
      id: 'c1',
      status: 'running',
      createdAt: CREATED,
      meta: '{"model":"m"}',
    });
  });

  it('records the owning project with the run, in the same script', async () => {
    expect(await redis.rsCreateRun(keys.run('c3'), 'c3', CREATED, '{}', 'acme')).toBe(1);
    expect(await redis.hget(keys.run('c3'), 'project')).toBe('acme');
    expect(await redis.rsCreateRun(keys.run('c3'), 'c3', CREATED, '{}', 'globex')).toBe(0);
    expect(await redis.hget(keys.run('c3'), 'project')).toBe('acme');
  });

  it('returns 0 when the run exists, and changes nothing', async () => {
    await runWithStatus('c2', 'completing');
    const before = await redis.hgetall(keys.run('c2'));
    expect(await redis.rsCreateRun(keys.run('c2'), 'c2', 'later', '{"other":1}')).toBe(0);
    expect(await redis.hgetall(keys.run('c2'))).toEqual(before);
  });
});

describe('begin-completion-1.lua', () => {
  it("moves a running run to 'completing' with its reason, and answers the same again", async () => {
    await createRun('b1');
    expect(await redis.rsBeginCompletion(keys.run('b1'), 'requested')).toBe('completing');
    expect(await redis.rsBeginCompletion(keys.run('b1'), 'idle')).toBe('completing');
    expect(await redis.hmget(keys.run('b1'), 'status', 'reason')).toEqual([
      'completing',
      'requested',
    ]);
  });

  it('leaves a completed run as it is', async () => {
    await runWithStatus('b2', 'completed');
    expect(await redis.rsBeginCompletion(keys.run('b2'), 'idle')).toBe('completed');
    expect(await redis.hget(keys.run('b2'), 'reason')).toBeNull();
  });

  it('returns false (nil) for a run that does not exist, and creates nothing', async () => {
    expect(await redis.rsBeginCompletion(keys.run('b-none'), 'idle')).toBeNull();
    expect(await redis.exists(keys.run('b-none'))).toBe(0);
  });
});

describe('end-completion-1.lua', () => {
  it("moves a completing run to 'completed' and keeps the first completion time", async () => {
    await runWithStatus('e1', 'completing');
    expect(await redis.rsEndCompletion(keys.run('e1'), '2024-05-01T11:00:00.000Z')).toBe(
      'completed',
    );
    expect(await redis.rsEndCompletion(keys.run('e1'), '2024-05-01T12:00:00.000Z')).toBe(
      'completed',
    );
    expect(await redis.hmget(keys.run('e1'), 'status', 'completedAt')).toEqual([
      'completed',
      '2024-05-01T11:00:00.000Z',
    ]);
  });

  it('leaves a running run as it is', async () => {
    await createRun('e2');
    expect(await redis.rsEndCompletion(keys.run('e2'), CREATED)).toBe('running');
    expect(await redis.hget(keys.run('e2'), 'completedAt')).toBeNull();
  });

  it('returns false (nil) for a run that does not exist, and creates nothing', async () => {
    expect(await redis.rsEndCompletion(keys.run('e-none'), CREATED)).toBeNull();
    expect(await redis.exists(keys.run('e-none'))).toBe(0);
  });
});

describe('claim-completion-time-1.lua', () => {
  it('returns the first time claimed, then that same time to every later claim', async () => {
    await runWithStatus('cc1', 'completing');
    const claim = (at: string) => redis.rsClaimCompletionTime(keys.run('cc1'), at);
    expect(await claim('2024-05-01T11:00:00.000Z')).toBe('2024-05-01T11:00:00.000Z');
    expect(await claim('2024-05-01T12:00:00.000Z')).toBe('2024-05-01T11:00:00.000Z');
  });

  it('returns the completion time of a run already completed', async () => {
    await runWithStatus('cc2', 'completing');
    await redis.rsEndCompletion(keys.run('cc2'), '2024-05-01T10:30:00.000Z');
    expect(await redis.rsClaimCompletionTime(keys.run('cc2'), '2024-05-01T12:00:00.000Z')).toBe(
      '2024-05-01T10:30:00.000Z',
    );
  });

  it('returns false (nil) for a run that does not exist, and creates nothing', async () => {
    expect(await redis.rsClaimCompletionTime(keys.run('cc-none'), CREATED)).toBeNull();
    expect(await redis.exists(keys.run('cc-none'))).toBe(0);
  });
});

describe('forget-run-n.lua', () => {
  it('returns 1 and deletes every key of a completed run whose samples have left', async () => {
    await createRun('f1');
    await writeBatch('f1', [x([1, 2]), { name: 'y', t: [1], v: ['a'] }], {
      producer: 'p',
      batch: 1,
    });
    for (const v of ['x', 'y']) await beginTransfer('f1', v, 'u1');
    for (const v of ['x', 'y']) await endTransfer('f1', v, 'u1');
    await redis.hset(keys.run('f1'), 'status', 'completed');
    expect(await forgetRun('f1', ['x', 'y'])).toBe(1);
    expect(await redis.keys('rs:{f1}:*')).toEqual([]);
  });

  it('returns 0 for a run that is not completed', async () => {
    await runWithStatus('f2', 'completing');
    expect(await forgetRun('f2', [])).toBe(0);
    expect(await redis.exists(keys.run('f2'))).toBe(1);
  });

  it('returns 0 while samples are buffered, transferring, or pending upload', async () => {
    await createRun('f3');
    await writeBatch('f3', [x([1])]);
    await redis.hset(keys.run('f3'), 'status', 'completed');
    expect(await forgetRun('f3', ['x'])).toBe(0);
    await beginTransfer('f3', 'x', 'u1');
    // Each of the three on its own keeps the run.
    await redis.srem(keys.pending('f3'), 'x');
    expect(await forgetRun('f3', ['x'])).toBe(0);
    await redis.del(keys.transfers('f3', 'x'));
    await redis.sadd(keys.pending('f3'), 'x');
    expect(await forgetRun('f3', ['x'])).toBe(0);
    expect(await redis.hget(keys.run('f3'), 'status')).toBe('completed');
  });

  it('returns false (nil) for a run that does not exist', async () => {
    expect(await forgetRun('f-none', [])).toBeNull();
  });
});

describe('begin-transfer-6.lua', () => {
  it('renames the buffer to the transfer key and returns the first seq it holds', async () => {
    await createRun('t1');
    await writeBatch('t1', [x([1, 2, 3])]);
    expect(await beginTransfer('t1', 'x', 'u1')).toBe(1);
    await writeBatch('t1', [x([4, 5])]);
    await writeBatch('t1', [x([6])]);
    expect(await beginTransfer('t1', 'x', 'u2')).toBe(4);
    expect(await redis.exists(keys.buffer('t1', 'x'))).toBe(0);
    expect(await chunkTexts(keys.transfer('t1', 'x', 'u2'))).toEqual([
      '{"s":4,"t":[4,5],"v":[4,5]}',
      '{"s":6,"t":[6],"v":[6]}',
    ]);
    expect(await redis.zrange(keys.transfers('t1', 'x'), '0', '-1', 'WITHSCORES')).toEqual([
      keys.transfer('t1', 'x', 'u1'),
      '1',
      keys.transfer('t1', 'x', 'u2'),
      '4',
    ]);
    expect(await redis.smembers(keys.pending('t1'))).toEqual(['x']);
    expect(await redis.zscore(keys.dirty('t1'), 'x')).toBeNull();
  });

  it('returns false (nil) on an empty buffer, and drops its stale dirty entry', async () => {
    await redis.zadd(keys.dirty('t2'), 10, 'x');
    expect(await beginTransfer('t2', 'x', 'u1')).toBeNull();
    expect(await redis.zscore(keys.dirty('t2'), 'x')).toBeNull();
    expect(await redis.exists(keys.transfers('t2', 'x'), keys.pending('t2'))).toBe(0);
  });

  it('returns false (nil) when the transfer key exists, and leaves the buffer', async () => {
    await createRun('t3');
    await writeBatch('t3', [x([1])]);
    await redis.rpush(keys.transfer('t3', 'x', 'u1'), 'taken');
    expect(await beginTransfer('t3', 'x', 'u1')).toBeNull();
    expect(await chunkTexts(keys.buffer('t3', 'x'))).toEqual(['{"s":1,"t":[1],"v":[1]}']);
    expect(await redis.lrange(keys.transfer('t3', 'x', 'u1'), 0, -1)).toEqual(['taken']);
  });
});

describe('end-transfer-3.lua', () => {
  it('returns 1 when it deletes the transfer key, then 0; pending clears with the last one', async () => {
    await createRun('d1');
    await writeBatch('d1', [x([1])]);
    await beginTransfer('d1', 'x', 'u1');
    await writeBatch('d1', [x([2])]);
    await beginTransfer('d1', 'x', 'u2');
    expect(await endTransfer('d1', 'x', 'u1')).toBe(1);
    expect(await redis.smembers(keys.pending('d1'))).toEqual(['x']);
    expect(await endTransfer('d1', 'x', 'u2')).toBe(1);
    expect(await endTransfer('d1', 'x', 'u2')).toBe(0);
    expect(await redis.exists(keys.transfers('d1', 'x'), keys.pending('d1'))).toBe(0);
  });
});

describe('write-batch-n.lua', () => {
  it("returns 'ok' and the ranges in KEYS order, appending one chunk per variable", async () => {
    await createRun('w1');
    const y: Series = { name: 'y', t: [0.5], v: [{ $num: 'NaN' }] };
    expect(await writeBatch('w1', [x([1, 2, 3], 1, 3), y])).toEqual(['ok', '1,3;1,1']);
    expect(await writeBatch('w1', [y, x([4], 4, 4)])).toEqual(['ok', '2,2;4,4']);
    expect(await chunkTexts(keys.buffer('w1', 'x'))).toEqual([
      '{"s":1,"t":[1,2,3],"v":[1,2,3]}',
      '{"s":4,"t":[4],"v":[4]}',
    ]);
    expect(await chunkTexts(keys.buffer('w1', 'y'), 0)).toEqual([
      '{"s":1,"t":[0.5],"v":[{"$num":"NaN"}]}',
    ]);
    expect((await redis.smembers(keys.variables('w1'))).sort()).toEqual(['x', 'y']);
    // Bytes as stored: packed chunks (packed-chunk.ts).
    const chunkBytes =
      encodePackedChunk({ first: 1, t: [1, 2, 3], v: [1, 2, 3] }).length +
      encodePackedChunk({ first: 4, t: [4], v: [4] }).length;
    expect(await redis.zscore(keys.dirty('w1'), 'x')).toBe(String(chunkBytes));
    expect(await redis.hget(keys.run('w1'), 'samples')).toBe('6');
  });

  it('keeps count, the least min, the greatest max and the last sample in the stats', async () => {
    await createRun('w2');
    await writeBatch('w2', [x([5, 6, 7], 5, 7)]);
    await writeBatch('w2', [x([8, 9], 2, 9)]);
    await writeBatch('w2', [{ name: 'x', t: [10], v: ['text'] }]);
    expect(await redis.hgetall(keys.stats('w2', 'x'))).toEqual({
      count: '6',
      min: '2',
      max: '9',
      lastT: '10',
      lastV: '"text"',
      tOrder: 'asc',
    });
    await writeBatch('w2', [{ name: 's', t: [1], v: ['a'] }]);
    expect(await redis.hgetall(keys.stats('w2', 's'))).toEqual({
      count: '1',
      lastT: '1',
      lastV: '"a"',
      tOrder: 'asc',
    });
  });

  it("keeps an identified batch's ack and answers its retry 'dup' without writing", async () => {
    await createRun('w3');
    const ack = { producer: 'p1', batch: 7 };
    expect(await writeBatch('w3', [x([1, 2])], ack)).toEqual(['ok', '1,2']);
    expect(await redis.hget(keys.acks('w3'), ackField('p1', 7))).toBe('7|1,2|["x"]');
    expect(await writeBatch('w3', [x([1, 2])], ack)).toEqual(['dup', '1,2', '["x"]']);
    expect(await redis.llen(keys.buffer('w3', 'x'))).toBe(1);
    // batch 71 shares batch 7's ack field: a new batch, written, and the ack replaced
    expect(await writeBatch('w3', [x([3])], { producer: 'p1', batch: 71 })).toEqual(['ok', '3,3']);
    expect(await redis.hget(keys.acks('w3'), ackField('p1', 71))).toBe('71|3,3|["x"]');
  });

  it("returns 'no_run' for a run that does not exist, and writes nothing", async () => {
    expect(await writeBatch('w-none', [x([1])], { producer: 'p', batch: 1 })).toEqual(['no_run']);
    expect(await redis.keys('rs:{w-none}:*')).toEqual([]);
  });

  it("returns 'not_running' and the status for a run that is not running, and writes nothing", async () => {
    await runWithStatus('w4', 'completing');
    expect(await writeBatch('w4', [x([1])])).toEqual(['not_running', 'completing']);
    expect(await redis.exists(keys.buffer('w4', 'x'), keys.stats('w4', 'x'))).toBe(0);
  });
});

describe('write-batch-n.lua and begin-transfer-6.lua: dirtySince', () => {
  const redisNow = async (): Promise<number> => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const dirtySince = async (run: string): Promise<number | undefined> => {
    const value = await redis.hget(keys.run(run), 'dirtySince');
    return value === null ? undefined : Number(value);
  };
  const y = (t: number[]): Series => ({ name: 'y', t, v: t });

  it('stamps the first write after the buffers were empty, by Redis clock, and keeps it', async () => {
    await createRun('ds1');
    expect(await dirtySince('ds1')).toBeUndefined();
    const before = await redisNow();
    await writeBatch('ds1', [x([1])]);
    const stamped = await dirtySince('ds1');
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(await redisNow());
    await writeBatch('ds1', [x([2]), y([1])]);
    expect(await dirtySince('ds1')).toBe(stamped);
  });

  it('is cleared once no variable of the run is dirty, and stamped anew by the next write', async () => {
    await createRun('ds2');
    await writeBatch('ds2', [x([1]), y([1])]);
    const stamped = await dirtySince('ds2');
    await beginTransfer('ds2', 'x', 'u1');
    expect(await dirtySince('ds2')).toBe(stamped); // y still buffered
    await beginTransfer('ds2', 'y', 'u1');
    expect(await dirtySince('ds2')).toBeUndefined();
    await writeBatch('ds2', [x([2])]);
    expect(await dirtySince('ds2')).toBeGreaterThanOrEqual(stamped!);
  });

  it('is cleared by a transfer that finds the buffer gone (a stale dirty entry)', async () => {
    await createRun('ds3');
    await writeBatch('ds3', [x([1])]);
    await redis.del(keys.buffer('ds3', 'x'));
    expect(await beginTransfer('ds3', 'x', 'u1')).toBeNull();
    expect(await dirtySince('ds3')).toBeUndefined();
  });
});

describe('write-batch-n.lua: tOrder', () => {
  const order = (run: string) => redis.hget(keys.stats(run, 'x'), 'tOrder');

  it('is "asc" while t never decreases, within and across batches (equal t included)', async () => {
    await createRun('o-asc');
    await writeBatch('o-asc', [x([1, 2, 2])]);
    await writeBatch('o-asc', [x([2, 3])]);
    expect(await order('o-asc')).toBe('asc');
  });

  it.each([
    ['inside a batch', [[1, 3, 2]]],
    [
      'from one batch to the next',
      [
        [1, 2, 3],
        [2.5, 4],
      ],
    ],
    ['in a later batch', [[1], [2], [3, 1]]],
  ])('turns "none" for good when t decreases %s', async (_what, batches) => {
    const run = `o-${batches.length}-${batches[0]!.length}`;
    await createRun(run);
    for (const t of batches) await writeBatch(run, [x(t)]);
    expect(await order(run)).toBe('none');
    await writeBatch(run, [x([100, 101])]);
    expect(await order(run)).toBe('none');
  });
});

describe('read-chunks-1.lua', () => {
  const list = 'rs:{read}:v:x:buf';
  // Entries of 10 seqs each: 1-10, 11-20, ... 991-1000 (100 entries), the
  // first half JSON chunk texts an earlier version wrote, the rest packed
  // chunks (what a rolling upgrade leaves in a buffer).
  beforeAll(async () => {
    const entries = Array.from({ length: 100 }, (_, i) => {
      const first = i * 10 + 1;
      const t = Array.from({ length: 10 }, (_, j) => first + j);
      return i < 50 ? `{"s":${first},"t":[],"v":[]}` : encodePackedChunk({ first, t, v: t });
    });
    await redis.rpush(list, ...entries);
  });
  const firstSeqs = (reply: (number | Buffer)[]) =>
    reply.slice(1).map((e) => firstSeqOf(e as Buffer));

  it.each([
    [1, 0],
    [5, 0],
    [10, 0],
    [11, 1],
    [555, 55],
    [991, 99],
    [1000, 99],
    [5000, 99],
  ])('from seq %d starts at the entry holding it (index %d)', async (fromSeq, index) => {
    const reply = await redis.rsReadChunksBuffer(list, fromSeq, 3);
    expect(reply[0]).toBe(index);
    expect(firstSeqs(reply)).toEqual(
      Array.from({ length: Math.min(3, 100 - index) }, (_, i) => (index + i) * 10 + 1),
    );
  });

  it('starts at the first entry when every entry starts after the seq', async () => {
    await redis.rpush('rs:{read}:v:late:buf', '{"s":50,"t":[],"v":[]}');
    expect(await redis.rsReadChunks('rs:{read}:v:late:buf', 7, 5)).toEqual([
      0,
      '{"s":50,"t":[],"v":[]}',
    ]);
  });

  it('returns nothing for an empty or missing list', async () => {
    expect(await redis.rsReadChunks('rs:{read}:v:none:buf', 1, 5)).toEqual([]);
  });

  it('runs while Redis is over maxmemory (no-writes)', async () => {
    await redis.config('SET', 'maxmemory', '1');
    try {
      expect((await redis.rsReadChunks(list, 555, 1))[0]).toBe(55);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
  });
});
