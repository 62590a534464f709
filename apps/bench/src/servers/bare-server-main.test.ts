import { freePort, startRedis, useFixture } from '@runstream/testkit';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { createBareServer } from './bare-server-main';

const KEY = 'bench:test:bodies';

/** The bare server storing bodies in a real Redis (database 1), listening on a free port. */
const bare = useFixture(async () => {
  const redis = await startRedis();
  const client = new Redis(`${redis.url}/1`);
  const server = createBareServer({ INGEST_MAX_BODY_BYTES: 1024 }, { redis: client, key: KEY });
  const port = await freePort();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    redis,
    client,
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await client.quit();
      await redis.stop();
    },
  };
});

const post = (body: string): Promise<Response> =>
  fetch(`${bare.baseUrl}/v1/runs/r/samples`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('bare server, Redis mode', () => {
  it('is ready once Redis answers', async () => {
    expect((await fetch(`${bare.baseUrl}/healthz`)).status).toBe(200);
  });

  it('appends each body, byte for byte, to one list in its own database', async () => {
    const a = '{"variables":{"x":{"t":[1],"v":[2]}}}';
    const b = ' {"variables": {}}';
    expect((await post(a)).status).toBe(200);
    expect((await post(b)).status).toBe(200);
    expect(await bare.client.lrange(KEY, 0, -1)).toEqual([a, b]);
    const db0 = new Redis(bare.redis.url);
    try {
      expect(await db0.dbsize()).toBe(0);
    } finally {
      await db0.quit();
    }
  });

  it('stores nothing it could not parse or that is over the limit', async () => {
    await bare.client.del(KEY);
    expect((await post('{"variables":')).status).toBe(400);
    expect((await post(`{"x":"${'a'.repeat(2048)}"}`)).status).toBe(413);
    expect(await bare.client.llen(KEY)).toBe(0);
  });
});

describe('bare server, node:http mode', () => {
  const node = useFixture(async () => {
    const server = createBareServer({ INGEST_MAX_BODY_BYTES: 1024, BARE_HTTP: 'node' });
    const port = await freePort();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      stop: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  });
  const postNode = (body: string): Promise<Response> =>
    fetch(`${node.baseUrl}/v1/runs/r/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('parses the body as bare does: 200, 400 malformed, 413 over the limit', async () => {
    expect((await postNode('{"variables":{"x":{"t":[1],"v":[2]}}}')).status).toBe(200);
    expect((await postNode('{"variables":')).status).toBe(400);
    expect((await postNode(`{"x":"${'a'.repeat(2048)}"}`)).status).toBe(413);
    expect((await fetch(`${node.baseUrl}/healthz`)).status).toBe(200);
  });
});
