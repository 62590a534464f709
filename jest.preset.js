// Shared jest preset: ts-jest in transpile-only mode (typecheck is its own task),
// workspace packages resolved to their sources so tests never need a build first.
const path = require('node:path');

module.exports = (dir) => ({
  displayName: path.basename(dir),
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(dir, 'tsconfig.json') }],
  },
  moduleNameMapper: {
    '^@runstream/(domain|hot-store|cold-store|queues|tiering|sdk|testkit|process-lifecycle)$':
      path.join(__dirname, 'packages/$1/src/index.ts'),
    // Apps used by other apps' end-to-end tests (ingest's tests start a real worker).
    '^@runstream/(worker)$': path.join(__dirname, 'apps/$1/src/index.ts'),
    // Test helpers a package or app shares with the tests of those built on it.
    '^@runstream/(tiering)/testing$': path.join(__dirname, 'packages/$1/src/testing/index.ts'),
    '^@runstream/(worker)/testing$': path.join(__dirname, 'apps/$1/src/testing/index.ts'),
  },
  testTimeout: 60_000,
});
