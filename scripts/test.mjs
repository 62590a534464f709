#!/usr/bin/env node
// The README's test command: the whole suite in one jest run (every package is
// a project), then the Python client's pytest suite (clients/python), then one
// closing line "tests: N passed, N failed" over both for CI to read.
// Extra arguments go to jest (e.g. `npm test -- apps/ingest`); an argument
// under clients/python goes to pytest instead, and with any argument only the
// runner(s) it names run.
//
// It builds first (`npm run build`: turbo, cached, about 2 s when nothing
// changed): the process tests run the built apps (apps/*/dist) and the
// packages' dist/ they import, so a fresh clone would otherwise fail them.
// RUNSTREAM_TEST_NO_BUILD=1 skips it (CI, which has just built).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.env.RUNSTREAM_TEST_NO_BUILD !== '1') {
  const build = spawnSync('npm', ['run', 'build', '--', '--output-logs=errors-only'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.log('tests: not run, the build failed (npm run build)');
    process.exit(build.status ?? 1);
  }
}

const args = process.argv.slice(2);
const pythonArgs = args.filter((a) => a.replace(/^\.\//, '').startsWith('clients/python'));
const jestArgs = args.filter((a) => !pythonArgs.includes(a));
const dir = mkdtempSync(join(tmpdir(), 'rs-test-'));
const counts = { passed: 0, failed: 0, skipped: 0, total: 0 };
const problems = [];

if (args.length === 0 || jestArgs.length > 0) {
  const out = join(dir, 'jest.json');
  const jest = spawnSync(
    process.execPath,
    [
      'node_modules/jest/bin/jest.js',
      '--maxWorkers=2',
      '--json',
      `--outputFile=${out}`,
      ...jestArgs,
    ],
    { stdio: 'inherit' },
  );
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    counts.passed += r.numPassedTests;
    counts.failed += r.numFailedTests;
    counts.skipped += r.numPendingTests;
    counts.total += r.numTotalTests;
  } catch {
    problems.push('jest produced no results');
  }
  if (jest.status !== 0) process.exitCode = jest.status ?? 1;
}

if (args.length === 0 || pythonArgs.length > 0) {
  // pytest's JUnit report carries the counts; no cache or bytecode left in the tree.
  const out = join(dir, 'pytest.xml');
  // RUNSTREAM_PYTHON: the interpreter with pytest, numpy and pandas (CI: Debian's, which a pyenv shim may hide).
  const pytest = spawnSync(
    process.env.RUNSTREAM_PYTHON ?? 'python3',
    [
      '-m',
      'pytest',
      '-p',
      'no:cacheprovider',
      `--junitxml=${out}`,
      ...(pythonArgs.length > 0 ? pythonArgs : ['clients/python']),
    ],
    { stdio: 'inherit', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
  );
  let report;
  try {
    report = readFileSync(out, 'utf8');
  } catch {
    problems.push(
      'pytest produced no results (needs python3 and pytest: apt-get install python3-pytest python3-numpy python3-pandas)',
    );
  }
  const suite = report?.match(/<testsuite\b[^>]*>/)?.[0];
  if (suite !== undefined) {
    const attr = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
    const failed = attr('failures') + attr('errors');
    counts.failed += failed;
    counts.skipped += attr('skipped');
    counts.passed += attr('tests') - failed - attr('skipped');
    counts.total += attr('tests');
  }
  if (pytest.status !== 0) process.exitCode = pytest.status ?? 1;
}

rmSync(dir, { recursive: true, force: true });
for (const problem of problems) console.error(problem);
if (problems.length === 0 && counts.total === 0) console.error('no test ran');
if (problems.length > 0 || counts.total === 0) process.exitCode ||= 1;
let summary = `tests: ${counts.passed} passed, ${counts.failed} failed`;
if (counts.skipped > 0) summary += `, ${counts.skipped} skipped`;
console.log(summary);
