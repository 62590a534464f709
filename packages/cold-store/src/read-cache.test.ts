import { ReadCache } from './read-cache';

describe('ReadCache', () => {
  it('loads once for concurrent readers of a key (single flight)', async () => {
    const cache = new ReadCache(1000);
    let loads = 0;
    const load = async (): Promise<string> => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return 'value';
    };
    const values = await Promise.all(
      Array.from({ length: 20 }, () => cache.get('k', load, () => 10)),
    );
    expect(values).toEqual(Array(20).fill('value'));
    expect(loads).toBe(1);
    expect(await cache.get('k', load, () => 10)).toBe('value');
    expect(loads).toBe(1);
  });

  it('stays within its byte bound, evicting the least recently used', async () => {
    const cache = new ReadCache(100);
    const loads: string[] = [];
    const get = (key: string): Promise<string> =>
      cache.get(
        key,
        () => {
          loads.push(key);
          return Promise.resolve(key);
        },
        () => 40,
      );
    await get('a');
    await get('b');
    await get('a'); // a is now the most recent
    await get('c'); // 120 > 100: b goes
    expect(cache.bytes).toBeLessThanOrEqual(100);
    await get('a');
    await get('b');
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('returns a value larger than the whole cache without keeping it', async () => {
    const cache = new ReadCache(100);
    let loads = 0;
    const load = (): Promise<number> => Promise.resolve(++loads);
    expect(await cache.get('big', load, () => 500)).toBe(1);
    expect(await cache.get('big', load, () => 500)).toBe(2);
    expect(cache.bytes).toBe(0);
  });

  it('does not keep a failed load: the next reader tries again', async () => {
    const cache = new ReadCache(100);
    let calls = 0;
    const load = (): Promise<string> =>
      ++calls === 1 ? Promise.reject(new Error('S3 down')) : Promise.resolve('ok');
    await expect(cache.get('k', load, () => 1)).rejects.toThrow('S3 down');
    expect(await cache.get('k', load, () => 1)).toBe('ok');
  });

  it('peekOrLoad answers from the cache but never adds to it', async () => {
    const cache = new ReadCache(100);
    let loads = 0;
    const load = (): Promise<number> => Promise.resolve(++loads);
    expect(await cache.peekOrLoad('k', load)).toBe(1);
    expect(await cache.peekOrLoad('k', load)).toBe(2);
    expect(cache.bytes).toBe(0);
    await cache.get('k', load, () => 10);
    expect(await cache.peekOrLoad('k', load)).toBe(3);
  });
});
