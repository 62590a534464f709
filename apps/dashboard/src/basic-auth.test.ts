import express from 'express';
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuth, CredentialsChecker, parseBasicAuth, type AuthFailure } from './basic-auth';

const basic = (s: string): string => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;

describe('parseBasicAuth', () => {
  it.each([
    [basic('ops:secret'), { user: 'ops', password: 'secret' }],
    // Only the first ':' separates: passwords may contain more.
    [basic('ops:a:b:c'), { user: 'ops', password: 'a:b:c' }],
    [basic('ops:'), { user: 'ops', password: '' }],
    [basic('öps:pässwörd ✓'), { user: 'öps', password: 'pässwörd ✓' }],
    [`basic ${Buffer.from('u:p').toString('base64')}`, { user: 'u', password: 'p' }],
    [`BASIC   ${Buffer.from('u:p').toString('base64')} `, { user: 'u', password: 'p' }],
  ])('%p → %p', (header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected);
  });

  it.each([
    undefined,
    '',
    'Basic',
    'Basic ',
    basic('no-colon'),
    'Bearer abcdefabcdef',
    'Basic !!!notbase64!!!',
    `Basic ${Buffer.from('u:p').toString('base64')} extra`,
  ])('%p → undefined', (header) => {
    expect(parseBasicAuth(header)).toBeUndefined();
  });
});

describe('CredentialsChecker', () => {
  const checker = new CredentialsChecker({ user: 'ops', password: 'correct-horse' });

  it('accepts exactly the configured pair', () => {
    expect(checker.matches({ user: 'ops', password: 'correct-horse' })).toBe(true);
    for (const given of [
      { user: 'ops', password: 'correct-hors' },
      { user: 'ops', password: 'correct-horse ' },
      { user: 'Ops', password: 'correct-horse' },
      { user: 'correct-horse', password: 'ops' },
      { user: '', password: '' },
      undefined,
    ])
      expect(checker.matches(given)).toBe(false);
  });

  it('compares user and password in constant time, both every time', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      checker.matches({ user: 'wrong', password: 'correct-horse' });
      checker.matches(undefined);
      // No short-circuit after a wrong user: two comparisons per check.
      expect(spy).toHaveBeenCalledTimes(4);
      // Digests: equal lengths whatever was sent.
      for (const [a, b] of spy.mock.calls) expect([a.byteLength, b.byteLength]).toEqual([32, 32]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('basicAuth middleware', () => {
  let server: Server;
  let base: string;
  const failures: AuthFailure[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(
      basicAuth(
        { user: 'ops', password: 'correct-horse' },
        { realm: 'runstream', onFailure: (reason) => failures.push(reason) },
      ),
    );
    app.get('/secret', (_req, res) => {
      res.json({ secret: 42 });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    failures.length = 0;
  });

  it('lets the right pair through', async () => {
    const res = await fetch(`${base}/secret`, {
      headers: { authorization: basic('ops:correct-horse') },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ secret: 42 });
    expect(failures).toEqual([]);
  });

  it.each([
    ['no credentials', undefined, 'missing'],
    ['a wrong password', basic('ops:correct-hors'), 'invalid'],
    ['a wrong user', basic('root:correct-horse'), 'invalid'],
    ['a bearer token', 'Bearer correct-horse', 'invalid'],
  ])(
    'answers %s with 401, a Basic challenge and the API error shape',
    async (_, header, reason) => {
      const res = await fetch(`${base}/secret`, {
        headers: header === undefined ? {} : { authorization: header },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="runstream"');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: {
          code: 'unauthorized',
          message: expect.stringMatching(/user name and password/) as string,
        },
      });
      expect(failures).toEqual([reason]);
    },
  );

  it('refuses a realm that cannot be sent in a header', () => {
    expect(() => basicAuth({ user: 'u', password: 'p' }, { realm: 'a"b' })).toThrow(/realm/);
  });
});
