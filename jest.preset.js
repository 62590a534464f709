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
    // hyparquet(-writer) ship ES modules only: Node (>= 20.19) require()s them,
    // jest's module loader does not, so they are turned into CommonJS for tests.
    '/node_modules/hyparquet(-writer)?/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          isolatedModules: true,
        },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!hyparquet(-writer)?/)'],
  moduleNameMapper: {
    '^@runstream/(domain|hot-store|cold-store|queues|tiering|sdk|testkit|process-lifecycle|service-config|viewer)$':
      path.join(__dirname, 'packages/$1/src/index.ts'),
    // Apps used by other apps' tests (ingest's tests start a real worker and compare
    // the apps' configuration schemas).
    '^@runstream/(worker|dashboard)$': path.join(__dirname, 'apps/$1/src/index.ts'),
    // The demo's seeded random numbers, which the bench's generated data uses too,
    // and its configuration (the compose file's check reads its variables).
    '^@runstream/demo/(seeded-random|config)$': path.join(__dirname, 'apps/demo/src/$1.ts'),
    // Test helpers a package or app shares with the tests of those built on it.
    '^@runstream/(domain|tiering)/testing$': path.join(
      __dirname,
      'packages/$1/src/testing/index.ts',
    ),
    '^@runstream/(worker)/testing$': path.join(__dirname, 'apps/$1/src/testing/index.ts'),
  },
  testTimeout: 60_000,
});
