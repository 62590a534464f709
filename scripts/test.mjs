#!/usr/bin/env node
// The README's test command: the whole suite in one jest run (every package is
// a project), then one closing line "tests: N passed, N failed" for CI to read.
// Extra arguments go to jest (e.g. `npm test -- apps/ingest`).
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

const dir = mkdtempSync(join(tmpdir(), 'rs-jest-'));
const out = join(dir, 'results.json');
const jest = spawnSync(
  process.execPath,
  [
    'node_modules/jest/bin/jest.js',
    '--maxWorkers=2',
    '--json',
    `--outputFile=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);

let summary = 'tests: jest produced no results';
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  if (r.numPendingTests > 0) summary += `, ${r.numPendingTests} skipped`;
  if (r.numTotalTests === 0) {
    console.error('no test ran');
    process.exitCode = 1;
  }
} catch {
  process.exitCode = 1;
}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exitCode ||= jest.status ?? 1;
