import { z } from 'zod';
import { ConfigError, parseEnv } from './parse-env';

const schema = z.object({ PORT: z.coerce.number().int(), NAME: z.string() });

describe('parseEnv', () => {
  it('returns the parsed values', () => {
    expect(parseEnv(schema, { PORT: '80', NAME: 'x', UNKNOWN: 'y' }, 'test')).toEqual({
      PORT: 80,
      NAME: 'x',
    });
  });

  it('throws a ConfigError naming whose configuration it is and each bad variable', () => {
    let caught: unknown;
    try {
      parseEnv(schema, { PORT: 'http' }, 'ingest');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/^invalid ingest configuration:\n {2}PORT: .+\n {2}NAME: .+$/);
    expect(err.issues.map((i) => i.variable)).toEqual(['PORT', 'NAME']);
  });
});
