import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface S3ServerOptions {
  /** The bucket created before the server answers; default `runstream-test`. */
  bucket?: string;
}

export interface S3Connection {
  bucket: string;
  region: string;
  endpoint: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface RunningS3Server {
  /** e.g. `http://127.0.0.1:40123`; use it with `forcePathStyle: true`. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly port: number;
  /** Where s3rver keeps the objects; survives `stop()`, removed by `dispose()`. */
  readonly directory: string;
  /** s3rver's one account. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** s3rver ignores the region; this is the one to sign with. */
  readonly region: string;
  /**
   * Everything a client needs to reach this server, in the shape of the cold
   * store's config (`new ColdStore(s3.connection)`): path-style, as s3rver wants.
   */
  readonly connection: S3Connection;
  /** False between `stop()` and `restart()`. */
  readonly running: boolean;
  /**
   * Kills the server ("S3 is down": SIGTERM by default, SIGKILL for a crash
   * mid-request) and keeps its directory, so `restart()` brings back the
   * same objects on the same port.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again on the same port and directory; waits until it answers. */
  restart(): Promise<void>;
  /** Stops the server if it runs and deletes its directory. Call it in `afterAll`. */
  dispose(): Promise<void>;
}

/** The access key and secret s3rver accepts (its only account). */
export const S3RVER_CREDENTIALS = Object.freeze({
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
});

// One level above src/ and dist/ alike, so this works from sources (jest) and builds.
const CHILD_SCRIPT = join(__dirname, '..', 'bin', 's3rver.cjs');
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts a real S3-protocol server (s3rver) on a free loopback port, in a
 * temporary directory, with one bucket, for one test file.
 *
 * It runs in a child process: tests kill it to simulate an S3 outage, and
 * `NODE_OPTIONS=--openssl-legacy-provider` — without which s3rver cannot
 * make the continuation tokens of paginated listings on Node 20 — is set for
 * that process only, not for the tests. The child exits when this process's
 * end of its stdin closes, so a crashed test run leaves no server behind.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<RunningS3Server> {
  const bucket = options.bucket ?? 'runstream-test';
  const directory = mkdtempSync(join(tmpdir(), 'rs-s3-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(port, directory, bucket);
      return new S3Server(port, directory, bucket, child);
    } catch (err) {
      lastError = err;
    }
  }
  rmSync(directory, { recursive: true, force: true });
  throw new Error(`could not start s3rver: ${String(lastError)}`, { cause: lastError });
}

class S3Server implements RunningS3Server {
  readonly endpoint: string;
  readonly credentials = S3RVER_CREDENTIALS;
  readonly region = 'us-east-1';

  constructor(
    readonly port: number,
    readonly directory: string,
    readonly bucket: string,
    private child: ChildProcess | undefined,
  ) {
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  get connection(): S3Connection {
    return {
      bucket: this.bucket,
      region: this.region,
      endpoint: this.endpoint,
      forcePathStyle: true,
      credentials: this.credentials,
    };
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined) await kill(child, signal);
  }

  async restart(): Promise<void> {
    await this.stop();
    // The port was ours a moment ago; a client's socket in TIME_WAIT does not
    // block a listener, but give a brief race with another process a few tries.
    let lastError: unknown;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        this.child = await launch(this.port, this.directory, this.bucket);
        return;
      } catch (err) {
        lastError = err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error(`could not restart s3rver on port ${this.port}: ${String(lastError)}`, {
      cause: lastError,
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

function launch(port: number, directory: string, bucket: string): Promise<ChildProcess> {
  // Appended, not replaced: keep whatever the test run itself was given.
  const nodeOptions = [process.env.NODE_OPTIONS, '--openssl-legacy-provider']
    .filter((o) => o !== undefined && o !== '')
    .join(' ');
  const child = spawn(
    process.execPath,
    [
      CHILD_SCRIPT,
      '--port',
      String(port),
      '--address',
      '127.0.0.1',
      '--directory',
      directory,
      '--bucket',
      bucket,
      '--exit-with-stdin',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: nodeOptions } },
  );
  let output = '';
  const onData = (d: Buffer): void => {
    // Only the start-up output matters (it explains a failure); bound it.
    if (output.length < 64_000) output += d.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  return new Promise<ChildProcess>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void kill(child).then(() => reject(err));
    };
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not answer in ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    child.once('error', (err) => fail(new Error(`cannot run s3rver: ${err.message}`)));
    child.once('exit', (code, signal) =>
      fail(new Error(`s3rver exited (${String(code ?? signal)}) while starting:\n${output}`)),
    );
    const watch = (): void => {
      if (!output.includes('s3rver listening on')) return;
      child.stdout?.off('data', watch);
      // Listening is not yet answering: wait for a real HTTP reply.
      waitForHttp(port, bucket, () => settled).then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          // Drain the pipes so a chatty server can never block on a full pipe.
          child.stdout?.off('data', onData).resume();
          child.stderr?.off('data', onData).resume();
          resolve(child);
        },
        (err: Error) => fail(err),
      );
    };
    child.stdout?.on('data', watch);
  });
}

/** Resolves once any HTTP response comes back from the bucket's URL. */
async function waitForHttp(port: number, bucket: string, gaveUp: () => boolean): Promise<void> {
  while (!gaveUp()) {
    const answered = await new Promise<boolean>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'HEAD', path: `/${bucket}`, agent: false },
        (res) => {
          res.resume();
          resolve(true);
        },
      );
      req.setTimeout(1_000, () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `signal` (SIGTERM, then SIGKILL after a grace period); resolves when the process is gone. */
function kill(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      child.stdin?.destroy();
      resolve();
    });
    child.kill(signal);
  });
}
