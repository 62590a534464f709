import { z } from 'zod';
import { parseEnv } from './parse-env';
import { redisEnvShape } from './redis-env';

const schema = z.object(redisEnvShape);

describe('REDIS_CLUSTER_NODES', () => {
  it('takes host:port seed nodes', () => {
    const nodes = 'redis-node-1:6379, redis-node-2:6379';
    expect(parseEnv(schema, { REDIS_CLUSTER_NODES: nodes }, 'test').REDIS_CLUSTER_NODES).toBe(
      nodes,
    );
  });

  it('takes unset or empty (compose gives an unset variable as empty) as no cluster', () => {
    expect(parseEnv(schema, {}, 'test').REDIS_CLUSTER_NODES).toBeUndefined();
    expect(parseEnv(schema, { REDIS_CLUSTER_NODES: '' }, 'test').REDIS_CLUSTER_NODES).toBe('');
  });

  it('refuses an entry without a port, naming the variable', () => {
    expect(() => parseEnv(schema, { REDIS_CLUSTER_NODES: 'redis-node-1' }, 'test')).toThrow(
      /REDIS_CLUSTER_NODES: host:port,host:port/,
    );
  });
});
