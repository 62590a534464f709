import { readRunstreamEnv } from './env-config';
import { RunstreamConfigError } from './errors';
import { RunstreamClient } from './runstream-client';
import { Subscriber } from './subscriber';

describe('readRunstreamEnv', () => {
  it('reads and normalises the three variables', () => {
    expect(
      readRunstreamEnv({
        RUNSTREAM_URL: 'http://localhost:8080/',
        RUNSTREAM_TOKEN: 'tok',
        RUNSTREAM_MIN_INTERVAL_MS: '250',
      }),
    ).toEqual({ url: 'http://localhost:8080', token: 'tok', minIntervalMs: 250 });
  });

  it('treats empty variables as unset', () => {
    expect(readRunstreamEnv({ RUNSTREAM_URL: '', RUNSTREAM_MIN_INTERVAL_MS: '  ' })).toEqual({});
  });

  it('keeps a path prefix of the URL', () => {
    expect(readRunstreamEnv({ RUNSTREAM_URL: 'https://example.org/runstream/' }).url).toBe(
      'https://example.org/runstream',
    );
  });

  it.each([
    ['RUNSTREAM_URL', 'localhost:8080'],
    ['RUNSTREAM_URL', 'not a url'],
    ['RUNSTREAM_URL', 'ftp://example.org'],
    ['RUNSTREAM_URL', 'http://example.org/?x=1'],
    ['RUNSTREAM_MIN_INTERVAL_MS', 'fast'],
    ['RUNSTREAM_MIN_INTERVAL_MS', '-5'],
    ['RUNSTREAM_MIN_INTERVAL_MS', '1.5'],
    ['RUNSTREAM_MIN_INTERVAL_MS', '1e3'],
  ])('rejects %s=%s naming the variable', (variable, value) => {
    let caught: unknown;
    try {
      readRunstreamEnv({ [variable]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RunstreamConfigError);
    expect((caught as RunstreamConfigError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
    expect((caught as Error).message).toContain(value);
  });
});

describe('environment defaults of the client, producer and subscriber', () => {
  it('a client without URL names RUNSTREAM_URL; without token names RUNSTREAM_TOKEN', () => {
    expect(() => new RunstreamClient({ env: {} })).toThrow(/RUNSTREAM_URL/);
    expect(() => new RunstreamClient({ env: { RUNSTREAM_URL: 'http://127.0.0.1:1' } })).toThrow(
      /RUNSTREAM_TOKEN/,
    );
    expect(() => new Subscriber({ env: {} })).toThrow(/RUNSTREAM_URL/);
  });

  it('the producer interval is option > RUNSTREAM_MIN_INTERVAL_MS > 1000', () => {
    const env = { RUNSTREAM_URL: 'http://127.0.0.1:1', RUNSTREAM_TOKEN: 't' };
    expect(new RunstreamClient({ env }).producer('r').minIntervalMs).toBe(1000);
    const withEnv = new RunstreamClient({ env: { ...env, RUNSTREAM_MIN_INTERVAL_MS: '70' } });
    expect(withEnv.producer('r').minIntervalMs).toBe(70);
    expect(withEnv.producer('r', { minIntervalMs: 5 }).minIntervalMs).toBe(5);
  });

  it('rejects bad producer options naming them', () => {
    const client = new RunstreamClient({ url: 'http://127.0.0.1:1', token: 't', env: {} });
    expect(() => client.producer('r', { maxBatchSamples: 0 })).toThrow(/options.maxBatchSamples/);
    expect(() => client.producer('r', { minIntervalMs: -1 })).toThrow(/options.minIntervalMs/);
    expect(() => client.producer('r', { producerId: 'a b' })).toThrow(/options.producerId/);
    expect(() => client.producer('../x')).toThrow(TypeError);
  });
});
