import { RunNotFoundError } from '@runstream/domain';
import { HotStoreFullError, RedisUnavailableError, asRedisUnavailable } from './redis-unavailable';

/** An error as ioredis builds a server's reply error (redis-errors' ReplyError). */
function replyError(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });
}

function maxRetries(): Error {
  const err = new Error('Reached the max retries per request limit (which is 1). Refer to …');
  err.name = 'MaxRetriesPerRequestError';
  return err;
}

describe('asRedisUnavailable', () => {
  it.each([
    ['OOM, as a command', replyError("OOM command not allowed when used memory > 'maxmemory'.")],
    [
      'OOM, from inside a script',
      replyError(
        "ERR Error running script (call to f_1): @user_script:12: OOM command not allowed when used memory > 'maxmemory'.",
      ),
    ],
  ])('maps %s to HotStoreFullError (503, Retry-After 1)', (_what, err) => {
    const mapped = asRedisUnavailable(err);
    expect(mapped).toBeInstanceOf(HotStoreFullError);
    expect(mapped).toMatchObject({ httpStatus: 503, code: 'unavailable', retryAfterSeconds: 1 });
    expect(mapped?.cause).toBe(err);
  });

  it.each([
    ['a command timeout (Redis frozen)', new Error('Command timed out'), 'timeout'],
    [
      'a socket timeout',
      new Error("Socket timeout. Expecting data, but didn't receive any in 4000ms."),
      'timeout',
    ],
    [
      'no connection, offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      'unreachable',
    ],
    ['a closed connection', new Error('Connection is closed.'), 'unreachable'],
    [
      'a cluster client before its slot map',
      new Error("Cluster isn't ready and enableOfflineQueue options is false"),
      'unreachable',
    ],
    ['a disconnected cluster', new Error('Cluster is disconnected.'), 'unreachable'],
    ['a disconnected cluster node', new Error('Node is disconnected'), 'unreachable'],
    ['max retries per request', maxRetries(), 'unreachable'],
    ['connection refused', networkError('ECONNREFUSED'), 'unreachable'],
    ['connection reset', networkError('ECONNRESET'), 'unreachable'],
    ['LOADING', replyError('LOADING Redis is loading the dataset in memory'), 'loading'],
    ['BUSY', replyError('BUSY Redis is busy running a script.'), 'busy'],
    ['READONLY', replyError("READONLY You can't write against a read only replica."), 'read-only'],
  ])('maps %s to RedisUnavailableError', (_what, err, trouble) => {
    const mapped = asRedisUnavailable(err);
    expect(mapped).toBeInstanceOf(RedisUnavailableError);
    expect(mapped).toMatchObject({ trouble, httpStatus: 503, retryAfterSeconds: 1 });
  });

  it.each([
    ['a script error', replyError('ERR Error running script: attempt to index a nil value')],
    ['a wrong type', replyError('WRONGTYPE Operation against a key holding the wrong kind')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a non-error', 'OOM'],
    ['a run not found', new RunNotFoundError('r')],
  ])('leaves %s alone', (_what, err) => {
    expect(asRedisUnavailable(err)).toBeUndefined();
  });

  it('passes a 503 through as it is', () => {
    const full = new HotStoreFullError({});
    expect(asRedisUnavailable(full)).toBe(full);
  });
});
