import { loadConfig } from './config';
import { DEFAULT_LIMITS } from './ingest-limits';

const S3 = { S3_BUCKET: 'runstream' };

describe('loadConfig', () => {
  it('refuses to start without tokens unless the development flag is set', () => {
    expect(() => loadConfig({ ...S3 })).toThrow(/RUNSTREAM_WRITE_TOKENS/);
    expect(loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: '1' }).RUNSTREAM_INSECURE_NO_AUTH).toBe(
      true,
    );
  });

  it('starts with a tokens file alone; an empty path is no file', () => {
    const c = loadConfig({ ...S3, RUNSTREAM_TOKENS_FILE: '/etc/runstream/tokens.json' });
    expect(c.RUNSTREAM_TOKENS_FILE).toBe('/etc/runstream/tokens.json');
    expect(c.RUNSTREAM_TOKENS_RELOAD_MS).toBe(2000);
    expect(() => loadConfig({ ...S3, RUNSTREAM_TOKENS_FILE: '' })).toThrow(/RUNSTREAM_TOKENS_FILE/);
    expect(() =>
      loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: '1', RUNSTREAM_TOKENS_RELOAD_MS: '10' }),
    ).toThrow(/RUNSTREAM_TOKENS_RELOAD_MS/);
  });

  it('parses token lists and defaults', () => {
    const c = loadConfig({
      ...S3,
      RUNSTREAM_WRITE_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
      PORT: '9000',
    });
    expect(c.RUNSTREAM_WRITE_TOKENS).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.PORT).toBe(9000);
    expect(c.INGEST_MAX_BODY_BYTES).toBe(16 * 1024 * 1024);
  });

  it('has the limits of DEFAULT_LIMITS by default, and a headers timeout within the request timeout', () => {
    const c = loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: '1' });
    expect({
      maxBatchVariables: c.INGEST_MAX_BATCH_VARIABLES,
      maxBatchSamples: c.INGEST_MAX_BATCH_SAMPLES,
      maxSubscriptionsPerSocket: c.INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxConnections: c.INGEST_MAX_CONNECTIONS,
      headersTimeoutMs: c.INGEST_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: c.INGEST_REQUEST_TIMEOUT_MS,
      liveMaxBufferedBytes: c.INGEST_LIVE_MAX_BUFFERED_BYTES,
    }).toEqual(DEFAULT_LIMITS);
    expect(() =>
      loadConfig({
        ...S3,
        RUNSTREAM_INSECURE_NO_AUTH: '1',
        INGEST_HEADERS_TIMEOUT_MS: '5000',
        INGEST_REQUEST_TIMEOUT_MS: '1000',
      }),
    ).toThrow(/INGEST_HEADERS_TIMEOUT_MS: must not be more than INGEST_REQUEST_TIMEOUT_MS/);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ ...S3, RUNSTREAM_WRITE_TOKENS: 'short' })).toThrow(
      /RUNSTREAM_WRITE_TOKENS: every token/,
    );
    expect(() => loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: 'yes' })).toThrow(
      /RUNSTREAM_INSECURE_NO_AUTH/,
    );
    expect(() => loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: '1', PORT: 'http' })).toThrow(
      /PORT/,
    );
  });

  it('needs a bucket and a flush threshold below the hard limit', () => {
    expect(() => loadConfig({ RUNSTREAM_INSECURE_NO_AUTH: '1' })).toThrow(/S3_BUCKET/);
    expect(() =>
      loadConfig({ ...S3, RUNSTREAM_INSECURE_NO_AUTH: '1', FLUSH_THRESHOLD: '0.95' }),
    ).toThrow(/FLUSH_THRESHOLD/);
  });
});
