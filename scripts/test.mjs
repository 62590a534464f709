#!/usr/bin/env node
// The README's test command: the whole suite in one jest run (every package is
// a project), then one closing line "tests: N passed, N failed" for CI to read.
// Extra arguments go to jest (e.g. `npm test -- apps/ingest`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
