import { coldStoreEnvOf, parseColdStoreEnv, s3ClientOptions } from './cold-store-config';
import { failedDeletes } from './cold-store';
import { DeleteObjectsError } from './cold-store-errors';

/** A MinIO-style setup: endpoint, static credentials, path style, a key prefix. */
const MINIO_CONFIG = {
  bucket: 'runstream',
  region: 'eu-west-1',
  endpoint: 'http://minio:9000',
  forcePathStyle: true,
  keyPrefix: 'prod/',
  credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
};

describe('parseColdStoreEnv', () => {
  it('needs only a bucket for AWS S3: default region, default credential chain, virtual hosts', () => {
    expect(parseColdStoreEnv({ S3_BUCKET: 'runstream-data' })).toEqual({
      bucket: 'runstream-data',
      region: 'us-east-1',
      forcePathStyle: false,
      keyPrefix: '',
    });
  });

  it('reads a MinIO-style setup: endpoint, static credentials, path style implied', () => {
    const config = parseColdStoreEnv({
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-1',
      S3_BUCKET: 'runstream',
      S3_ACCESS_KEY_ID: 'minio',
      S3_SECRET_ACCESS_KEY: 'minio-secret',
      S3_KEY_PREFIX: 'prod/',
    });
    expect(config).toEqual(MINIO_CONFIG);
    expect(
      parseColdStoreEnv({
        S3_ENDPOINT: 'http://minio:9000',
        S3_BUCKET: 'b12',
        S3_FORCE_PATH_STYLE: 'false',
      }).forcePathStyle,
    ).toBe(false);
    expect(parseColdStoreEnv({ S3_BUCKET: 'b12', S3_FORCE_PATH_STYLE: '1' }).forcePathStyle).toBe(
      true,
    );
    // Empty means unset, as docker-compose writes `S3_ENDPOINT=`.
    expect(parseColdStoreEnv({ S3_BUCKET: 'b12', S3_ENDPOINT: '' }).endpoint).toBeUndefined();
  });

  it('fails naming the variable', () => {
    expect(() => parseColdStoreEnv({})).toThrow(/S3_BUCKET/);
    expect(() => parseColdStoreEnv({ S3_BUCKET: 'Bad_Bucket' })).toThrow(/S3_BUCKET: must be/);
    expect(() => parseColdStoreEnv({ S3_BUCKET: 'b12', S3_ENDPOINT: 'not a url' })).toThrow(
      /S3_ENDPOINT/,
    );
    expect(() => parseColdStoreEnv({ S3_BUCKET: 'b12', S3_ACCESS_KEY_ID: 'k' })).toThrow(
      /S3_SECRET_ACCESS_KEY: set both/,
    );
    expect(() => parseColdStoreEnv({ S3_BUCKET: 'b12', S3_FORCE_PATH_STYLE: 'yes' })).toThrow(
      /S3_FORCE_PATH_STYLE/,
    );
    expect(() => parseColdStoreEnv({ S3_BUCKET: 'b12', S3_KEY_PREFIX: '../' })).toThrow(
      /S3_KEY_PREFIX/,
    );
  });
});

describe('coldStoreEnvOf', () => {
  it('gives the variables that parse back to the same config', () => {
    const configs = [
      MINIO_CONFIG,
      { bucket: 'b12', region: 'us-east-1', forcePathStyle: false, keyPrefix: '' },
    ];
    for (const config of configs) expect(parseColdStoreEnv(coldStoreEnvOf(config))).toEqual(config);
  });
});

describe('s3ClientOptions', () => {
  it('asks for checksums only when an operation requires one, and sets timeouts', () => {
    const options = s3ClientOptions({
      bucket: 'b12',
      region: 'us-east-1',
      forcePathStyle: true,
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(options).toMatchObject({
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      forcePathStyle: true,
      endpoint: 'http://127.0.0.1:9000',
      requestHandler: { connectionTimeout: 5000, socketTimeout: 60_000 },
    });
    expect(options).not.toHaveProperty('credentials');
  });
});

describe('failedDeletes', () => {
  it('reads the per-key errors a successful DeleteObjects response can carry', () => {
    expect(failedDeletes({})).toEqual([]);
    const failures = failedDeletes({
      Errors: [
        { Key: 'a', Code: 'AccessDenied', Message: 'Access Denied' },
        { Key: 'b', Code: 'InternalError', Message: 'try again' },
      ],
    });
    expect(failures).toEqual([
      { key: 'a', code: 'AccessDenied', message: 'Access Denied' },
      { key: 'b', code: 'InternalError', message: 'try again' },
    ]);
    const err = new DeleteObjectsError(failures);
    expect(err.message).toBe(
      'DeleteObjects could not delete 2 object(s): a (AccessDenied: Access Denied), b (InternalError: try again)',
    );
    expect(err.failures).toBe(failures);
    expect(err.name).toBe('DeleteObjectsError');
  });
});
