import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColdStore } from '@runstream/cold-store';
import { encodeValue } from '@runstream/domain';
import {
  freePort,
  historyProblem,
  S3RVER_CREDENTIALS,
  waitFor,
  type ExpectedSample,
} from '@runstream/testkit';
import { DemoModel, stepFor } from './demo-model';

// `npm run local` as a user runs it, stopped as a terminal's Ctrl-C stops it:
// SIGINT to its whole process group. The demo must complete its run and the
// merge must finish before Redis and S3 stop, with every acknowledged sample
// in the merged objects, exactly the model's.

const ROOT = join(__dirname, '..', '..', '..');
const RUN = 'local-run-test';
const STEPS_PER_SECOND = 400;
const SEED = 7;
/** Stopping is bounded: seconds for the demo, the merge and each process, not minutes. */
const STOP_WITHIN_MS = 45_000;

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** A process group of its own, as a shell gives a foreground job. */
function startLocal(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['scripts/local.mjs'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (d: Buffer): void => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of local.mjs's children, from the file it keeps them in while it runs. */
function childPids(stateDir: string): number[] {
  const file = join(stateDir, 'processes.json');
  if (!existsSync(file)) return [];
  const record = JSON.parse(readFileSync(file, 'utf8')) as { children: { pid: number }[] };
  return record.children.map((c) => c.pid);
}

/** An s3rver over the local run's S3 directory, to read what it left there. */
async function serveDirectory(directory: string): Promise<{ endpoint: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/testkit/bin/s3rver.cjs'),
      '--port',
      String(port),
      '--directory',
      directory,
      '--bucket',
      'runstream',
      '--exit-with-stdin',
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('s3rver over the local directory', () =>
    out.includes('listening') ? true : undefined,
  );
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

describe('npm run local', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'rs-local-'));
  let local: Started | undefined;
  /** Process-group leaders: local.mjs's children. */
  let pids: number[] = [];

  afterAll(async () => {
    // A failed test must leave nothing running: local.mjs's children are in groups of their own.
    if (local !== undefined && local.child.exitCode === null && local.child.signalCode === null) {
      pids.push(...childPids(stateDir));
      process.kill(-local.child.pid!, 'SIGKILL');
      await local.exited;
    }
    for (const pid of pids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('stopped by SIGINT to its process group, completes and merges the demo run', async () => {
    const ports = {
      PORT: await freePort(),
      WORKER_PORT: await freePort(),
      DASHBOARD_PORT: await freePort(),
      REDIS_PORT: await freePort(),
      S3_PORT: await freePort(),
    };
    local = startLocal({
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      RUNSTREAM_LOCAL_DIR: stateDir,
      DEMO_RUN_ID: RUN,
      DEMO_STEPS_PER_SECOND: String(STEPS_PER_SECOND),
      DEMO_SEED: String(SEED),
      // 8 MB and 400 steps/s: a pressure flush within seconds rather than the minutes of the defaults.
      REDIS_MAXMEMORY: '8mb',
    });
    const running = local;
    const explain = (): string => `local.mjs output:\n${running.output().slice(-20_000)}`;

    // The tiers at work: the worker has moved some of the demo's samples to S3 before the stop.
    const flushed = await waitFor(
      'a flush to the local S3',
      async () => {
        if (running.child.exitCode !== null) throw new Error(`local.mjs exited\n${explain()}`);
        const res = await fetch(`http://127.0.0.1:${ports.WORKER_PORT}/metrics`).catch(
          () => undefined,
        );
        const text = res?.ok === true ? await res.text() : '';
        const moved = [
          ...text.matchAll(
            /^runstream_worker_flush_samples_moved_total\{reason="(?!completion)[a-z]+"\} (\S+)$/gm,
          ),
        ].reduce((sum, m) => sum + Number(m[1]), 0);
        return moved > 0 ? moved : undefined;
      },
      120_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${explain()}`);
    });
    expect(flushed).toBeGreaterThan(0);
    pids = childPids(stateDir);
    expect(pids).toHaveLength(6); // redis, s3, worker, dashboard, ingest, demo

    // Ctrl-C: the terminal signals the foreground process group.
    process.kill(-running.child.pid!, 'SIGINT');
    const deadline = new Promise<'late'>((resolve) =>
      setTimeout(() => resolve('late'), STOP_WITHIN_MS).unref(),
    );
    const ended = await Promise.race([running.exited, deadline]);
    if (ended === 'late') throw new Error(`not stopped in ${STOP_WITHIN_MS} ms\n${explain()}`);
    expect({ ...ended, output: ended.code === 0 ? '' : explain() }).toEqual({
      code: 0,
      signal: null,
      output: '',
    });
    for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
    expect(existsSync(join(stateDir, 'processes.json'))).toBe(false);

    // The demo's own account of its last moments: everything it logged was acknowledged.
    const output = running.output();
    const last = [
      ...output.matchAll(/sent=(\d+) acknowledged=(\d+) buffered=(\d+) dropped=(\d+)/g),
    ].at(-1);
    expect(last).toBeDefined();
    const [, sent, acknowledged, buffered, dropped] = last!.map(Number);
    expect({ sent, buffered, dropped }).toEqual({ sent: acknowledged, buffered: 0, dropped: 0 });
    expect(output).toContain(`run ${RUN} completed`);

    // What the run left in the local S3 directory, read with Redis gone.
    const s3 = await serveDirectory(join(stateDir, 's3'));
    const cold = new ColdStore({
      bucket: 'runstream',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      const manifest = await cold.getManifest(RUN);
      expect(manifest?.run).toMatchObject({
        id: RUN,
        status: 'completed',
        reason: 'requested',
        samples: acknowledged,
      });
      const variables = manifest!.variables;
      const steps = variables[0]!.count;
      // Every step logs each of the model's variables once.
      const names = new DemoModel(stepFor(STEPS_PER_SECOND), SEED).step().map((s) => s.variable);
      expect(variables.map((v) => `${v.name} ${v.count}`).sort()).toEqual(
        names.map((name) => `${name} ${steps}`).sort(),
      );
      expect(steps * variables.length).toBe(acknowledged);

      const expected = new Map<string, ExpectedSample[]>(variables.map((v) => [v.name, []]));
      const model = new DemoModel(stepFor(STEPS_PER_SECOND), SEED);
      for (let i = 0; i < steps; i++) {
        for (const s of model.step())
          expected.get(s.variable)!.push({ t: model.t, v: encodeValue(s.v) });
      }
      for (const v of variables) {
        const want = expected.get(v.name)!;
        expect(
          await historyProblem(v.name, cold.readObject(v.object), steps, (seq) => want[seq - 1]!),
        ).toBeUndefined();
      }
    } finally {
      cold.close();
      s3.stop();
    }
  }, 240_000);
});
