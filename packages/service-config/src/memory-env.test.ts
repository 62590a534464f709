import { z } from 'zod';
import { memoryEnvShape, memoryLimitsRule } from './memory-env';
import { parseEnv } from './parse-env';

const schema = z
  .object({ ...memoryEnvShape, OTHER: z.coerce.number().int() })
  .check(memoryLimitsRule);

describe('memoryEnvShape and memoryLimitsRule', () => {
  it('has the defaults ingest and the worker share', () => {
    expect(parseEnv(schema, { OTHER: '1' }, 'test')).toEqual({
      FLUSH_THRESHOLD: 0.7,
      HARD_LIMIT: 0.9,
      REDIS_MEMORY_BUDGET_BYTES: 0,
      OTHER: 1,
    });
  });

  it('keeps the flush threshold below the hard limit', () => {
    expect(() => parseEnv(schema, { OTHER: '1', HARD_LIMIT: '0.6' }, 'test')).toThrow(
      /FLUSH_THRESHOLD: must be below HARD_LIMIT \(0\.6\)/,
    );
    expect(parseEnv(schema, { OTHER: '1', HARD_LIMIT: '1' }, 'test').HARD_LIMIT).toBe(1);
  });

  it('reports the rule beside another variable’s problem, in one error', () => {
    expect(() => parseEnv(schema, { OTHER: 'x', FLUSH_THRESHOLD: '0.95' }, 'test')).toThrow(
      /OTHER: [^\n]*\n {2}FLUSH_THRESHOLD: must be below HARD_LIMIT/,
    );
  });

  it('skips the rule while one of its own variables is bad', () => {
    const parsed = schema.safeParse({ OTHER: '1', HARD_LIMIT: 'high' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['HARD_LIMIT']);
  });
});
