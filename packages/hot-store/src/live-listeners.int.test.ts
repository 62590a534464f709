import { startRedis, waitFor, type RunningRedis } from '@runstream/testkit';
import { HotStore } from './hot-store';
import { LiveListeners } from './live-listeners';

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

const replica = (replicaId: string, ttlMs = 30_000) =>
  new LiveListeners(store.redis, store.keys, { replicaId, ttlMs });

describe('LiveListeners', () => {
  it('answers per variable whether any replica listens, until the last one leaves', async () => {
    const a = replica('a');
    const b = replica('b');
    expect(await a.listened('r1', ['x', 'y', 'z'])).toEqual([false, false, false]);
    await b.add([{ run: 'r1', variable: 'y' }]);
    await a.add([{ run: 'r1', variable: 'y' }]);
    expect(await a.listened('r1', ['x', 'y', 'z'])).toEqual([false, true, false]);
    // Another run's variable of the same name is another room.
    expect(await a.listened('r2', ['y'])).toEqual([false]);
    await b.remove({ run: 'r1', variable: 'y' });
    expect(await a.listened('r1', ['y'])).toEqual([true]);
    await a.remove({ run: 'r1', variable: 'y' });
    expect(await a.listened('r1', ['y'])).toEqual([false]);
  });

  it('forgets a replica that stopped refreshing, and the key with its last entry', async () => {
    const gone = replica('gone', 200);
    await gone.add([{ run: 'r3', variable: 'v' }]);
    expect(await gone.listened('r3', ['v'])).toEqual([true]);
    const other = replica('other');
    await waitFor('the entry to lapse', async () =>
      (await other.listened('r3', ['v']))[0] === false ? true : undefined,
    );
    await waitFor('the key to expire', async () =>
      (await store.redis.exists(store.keys.liveListeners('r3', 'v'))) === 0 ? true : undefined,
    );
  });

  it('keeps its keys out of the run’s own prefix (a merge forgets the run, not its listeners)', () => {
    expect(store.keys.liveListeners('r', 'v')).toMatch(/^rs:live:\{r\}:/);
  });
});
