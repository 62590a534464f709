import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface RedisServerOptions {
  /** e.g. '16mb'; 0 (the default) means no limit. */
  maxmemory?: string;
  /** Extra `redis-server` arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
}

export interface RunningRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops it and removes its directory (call it on the newest instance only). */
  stop(): Promise<void>;
  /**
   * Starts redis-server again on the same port, in the same directory, with
   * the same arguments (so with `--appendonly yes` it reloads what it had
   * acknowledged); SIGKILLs this one first if it still runs (a SIGSTOPped one
   * too). The returned instance is the one to stop.
   */
  restart(): Promise<RunningRedis>;
}

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/**
 * Starts a real `redis-server` on a free loopback port, in a temporary
 * directory, for one test file. `noeviction` as in production: eviction
 * would drop data. Retries on a port race.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RunningRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, options, mkdtempSync(join(tmpdir(), 'rs-redis-')));
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not start redis-server: ${String(lastError)}`, { cause: lastError });
}

function launch(port: number, options: RedisServerOptions, dir: string): Promise<RunningRedis> {
  const child = spawn(
    REDIS_BIN,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      options.maxmemory ?? '0',
      '--maxmemory-policy',
      'noeviction',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const onData = (d: Buffer): void => {
    output += d.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });

  const restart = async (): Promise<RunningRedis> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    return launch(port, options, dir);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start in 10 s:\n${output}`));
    }, 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run '${REDIS_BIN}' (${err.message}); install it: apt-get install redis-server`,
          { cause: err },
        ),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
    });
    const watch = (): void => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', watch);
        resolve({ url: `redis://127.0.0.1:${port}`, port, process: child, stop, restart });
      }
    };
    child.stdout?.on('data', watch);
  });
}
