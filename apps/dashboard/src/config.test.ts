import { authFromConfig, loadConfig } from './config';

const CREDS = { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'correct-horse-battery' };

describe('loadConfig', () => {
  it('refuses to start without user and password unless the development flag is set', () => {
    expect(() => loadConfig({})).toThrow(
      /DASHBOARD_USER: missing: set DASHBOARD_USER and DASHBOARD_PASSWORD, or RUNSTREAM_INSECURE_NO_AUTH=1/,
    );
    expect(() => loadConfig({ DASHBOARD_USER: 'ops' })).toThrow(/DASHBOARD_PASSWORD: missing: set/);
    expect(() => loadConfig({ DASHBOARD_PASSWORD: CREDS.DASHBOARD_PASSWORD })).toThrow(
      /DASHBOARD_USER: missing: set/,
    );
    // compose passes unset variables as empty strings.
    expect(() => loadConfig({ DASHBOARD_USER: '', DASHBOARD_PASSWORD: '' })).toThrow(
      /DASHBOARD_USER: missing: set[\s\S]*DASHBOARD_PASSWORD: missing: set/,
    );
    expect(loadConfig({ RUNSTREAM_INSECURE_NO_AUTH: '1' }).RUNSTREAM_INSECURE_NO_AUTH).toBe(true);
  });

  it('has the documented defaults', () => {
    const c = loadConfig(CREDS);
    expect(c).toMatchObject({
      PORT: 8082,
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DASHBOARD_READ_ONLY: false,
      RUNSTREAM_INSECURE_NO_AUTH: false,
      BASE_PATH: '/',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
    ['', false],
  ])('reads DASHBOARD_READ_ONLY=%p as %p', (value, readOnly) => {
    expect(loadConfig({ ...CREDS, DASHBOARD_READ_ONLY: value }).DASHBOARD_READ_ONLY).toBe(readOnly);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ ...CREDS, DASHBOARD_READ_ONLY: 'yes' })).toThrow(
      /DASHBOARD_READ_ONLY/,
    );
    expect(() => loadConfig({ ...CREDS, PORT: 'http' })).toThrow(/PORT/);
    expect(() => loadConfig({ ...CREDS, DASHBOARD_PASSWORD: 'short' })).toThrow(
      /DASHBOARD_PASSWORD: must be at least 12 characters/,
    );
    expect(() => loadConfig({ ...CREDS, DASHBOARD_USER: 'a:b' })).toThrow(
      /DASHBOARD_USER: must not contain ":"/,
    );
    expect(() => loadConfig({ ...CREDS, REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
  });

  it.each([
    ['/', '/'],
    ['/queues', '/queues'],
    ['/queues/', '/queues'],
    ['/ops/bull-board', '/ops/bull-board'],
  ])('accepts BASE_PATH %p as %p', (value, path) => {
    expect(loadConfig({ ...CREDS, BASE_PATH: value }).BASE_PATH).toBe(path);
  });

  it.each(['queues', '/a//b', '/a b', '/../x', '/metrics', '/healthz/board', '//'])(
    'refuses BASE_PATH %p',
    (value) => {
      expect(() => loadConfig({ ...CREDS, BASE_PATH: value })).toThrow(/BASE_PATH/);
    },
  );
});

describe('authFromConfig', () => {
  it('is Basic with the configured pair', () => {
    expect(authFromConfig(loadConfig(CREDS))).toEqual({
      kind: 'basic',
      user: 'ops',
      password: 'correct-horse-battery',
    });
  });

  it('is off only with the development flag, which wins over credentials', () => {
    expect(authFromConfig(loadConfig({ RUNSTREAM_INSECURE_NO_AUTH: 'true' }))).toEqual({
      kind: 'insecure-none',
    });
    expect(authFromConfig(loadConfig({ ...CREDS, RUNSTREAM_INSECURE_NO_AUTH: '1' }))).toEqual({
      kind: 'insecure-none',
    });
  });
});
