import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, spawnApp } from './app-process';

// buildApp's compile is exercised by the apps' main.int.test.ts; here, what
// needs no app: the missing-build check and the process handle.

let dir: string;
let script: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rs-app-process-'));
  script = join(dir, 'main.js');
  writeFileSync(
    script,
    `process.stdout.write('out ' + (process.env.RS_TEST_OWN ?? '-') + '\\n');
     process.stderr.write('err ' + (process.env.RS_TEST_OTHER ?? '-') + '\\n');
     if (process.env.RS_TEST_STAY) setInterval(() => {}, 1000);`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildApp', () => {
  it('refuses to build when a workspace package it needs has no dist/', async () => {
    const appDir = join(dir, 'apps', 'some-app');
    mkdirSync(appDir, { recursive: true });
    mkdirSync(join(dir, 'packages', 'not-built'), { recursive: true });
    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ dependencies: { '@runstream/not-built': '*', express: '*' } }),
    );
    await expect(buildApp(appDir)).rejects.toThrow(
      `${join(dir, 'packages', 'not-built', 'dist', 'index.js')} is missing`,
    );
  });
});

describe('spawnApp', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.RS_TEST_OWN = 'from the shell';
    process.env.RS_TEST_OTHER = 'inherited';
  });
  afterEach(() => {
    delete process.env.RS_TEST_OWN;
    delete process.env.RS_TEST_OTHER;
    Object.assign(process.env, saved);
  });

  it('adds env to this process environment and collects stdout and stderr', async () => {
    const p = spawnApp(script, {});
    await expect(p.exited).resolves.toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('out from the shell\n');
    expect(p.output()).toContain('err inherited\n');
  });

  it('leaves out the inherited variables matching ownVariables', async () => {
    const p = spawnApp(script, {}, { ownVariables: /^RS_TEST_OWN$/ });
    await p.exited;
    expect(p.output()).toContain('out -\n');
    expect(p.output()).toContain('err inherited\n');
    const q = spawnApp(script, { RS_TEST_OWN: 'given' }, { ownVariables: /^RS_TEST_OWN$/ });
    await q.exited;
    expect(q.output()).toContain('out given\n');
  });

  it('parses the JSON log lines written in full, and only those', async () => {
    const logger = join(dir, 'logger.js');
    writeFileSync(
      logger,
      `process.stdout.write('{"level":30,"msg":"a"}\\nplain text\\n{"level":40,"msg":"b"}\\n{"lev');`,
    );
    const p = spawnApp(logger, {});
    await p.exited;
    expect(p.logLines()).toEqual([
      { level: 30, msg: 'a' },
      { level: 40, msg: 'b' },
    ]);
  });

  it('kill() SIGKILLs a running process and waits for it; again is a no-op', async () => {
    const p = spawnApp(script, { RS_TEST_STAY: '1' });
    await new Promise<void>((r) => p.child.stdout!.once('data', () => r()));
    await p.kill();
    await expect(p.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    await p.kill();
  });
});
