import type { RunstreamRedis } from '@runstream/hot-store';

/** Every key with its DUMP: equal fingerprints mean Redis holds exactly the same data. */
export async function redisFingerprint(
  redis: Pick<RunstreamRedis, 'keys' | 'dumpBuffer'>,
): Promise<string> {
  const keys = (await redis.keys('*')).sort();
  const parts: string[] = [];
  for (const key of keys)
    parts.push(`${key}=${(await redis.dumpBuffer(key))?.toString('hex') ?? ''}`);
  return parts.join('\n');
}
