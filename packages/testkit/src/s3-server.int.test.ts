import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { startS3Server, type RunningS3Server } from './s3-server';

interface Reply {
  status: number;
  body: string;
}

/** A bare HTTP call: s3rver serves anonymous requests, so no SDK is needed here. */
function http(
  server: RunningS3Server,
  method: string,
  path: string,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method, path, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let server: RunningS3Server;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'kit-bucket' });
});

afterAll(async () => {
  await server.dispose();
});

describe('startS3Server', () => {
  it('answers on a loopback endpoint with the bucket created', async () => {
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.bucket).toBe('kit-bucket');
    expect(server.running).toBe(true);
    const reply = await http(server, 'GET', '/kit-bucket?list-type=2');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<Name>kit-bucket</Name>');
  });

  it('pages a listing (needs the legacy OpenSSL provider in the child only)', async () => {
    for (const key of ['p/a', 'p/b', 'p/c'])
      expect((await http(server, 'PUT', `/kit-bucket/${key}`, key)).status).toBe(200);
    const first = await http(server, 'GET', '/kit-bucket?list-type=2&prefix=p%2F&max-keys=2');
    expect(first.status).toBe(200);
    const token = /<NextContinuationToken>([^<]+)</.exec(first.body)?.[1];
    expect(token).toBeDefined();
    const second = await http(
      server,
      'GET',
      `/kit-bucket?list-type=2&prefix=p%2F&max-keys=2&continuation-token=${encodeURIComponent(token!)}`,
    );
    expect(second.status).toBe(200);
    expect(second.body).toContain('<Key>p/c</Key>');
    expect(second.body).not.toContain('<Key>p/a</Key>');
    // The flag went to the child, not to this process.
    expect(process.env.NODE_OPTIONS ?? '').not.toContain('--openssl-legacy-provider');
  });

  it('stops (connections refused) and restarts on the same port with the same data', async () => {
    expect((await http(server, 'PUT', '/kit-bucket/kept', 'still here')).status).toBe(200);
    await server.stop();
    expect(server.running).toBe(false);
    await expect(http(server, 'GET', '/kit-bucket/kept')).rejects.toThrow(/ECONNREFUSED/);
    await server.restart();
    expect(server.running).toBe(true);
    expect(await http(server, 'GET', '/kit-bucket/kept')).toEqual({
      status: 200,
      body: 'still here',
    });
  });

  it('dispose removes the directory; a second dispose is harmless', async () => {
    const other = await startS3Server();
    expect(other.bucket).toBe('runstream-test');
    expect(existsSync(other.directory)).toBe(true);
    await other.dispose();
    expect(existsSync(other.directory)).toBe(false);
    await other.dispose();
  });
});
