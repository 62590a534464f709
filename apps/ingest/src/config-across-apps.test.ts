import { documentedVariables } from '@runstream/service-config';
import { dashboardConfigSchema } from '@runstream/dashboard';
import { workerConfigSchema } from '@runstream/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { ingestConfigSchema } from './config';

/** Every app's schema, by the config file that declares it. */
const APPS: Record<string, z.ZodObject> = {
  'apps/ingest/src/config.ts': ingestConfigSchema,
  'apps/worker/src/config.ts': workerConfigSchema,
  'apps/dashboard/src/config.ts': dashboardConfigSchema,
};

/** Valid for every app at once, so the one variable a case sets is all that differs. */
const BASE_ENV: Record<string, string> = {
  S3_BUCKET: 'runstream',
  RUNSTREAM_WRITE_TOKENS: 'a'.repeat(16),
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'correct-horse-battery',
  // Below any FLUSH_THRESHOLD the cases set, so the worker's own rule stays out of the way.
  FLUSH_LOW_WATER: '0',
};

/** Defaults that are each app's own by design (its port, its shutdown budget). */
const PER_APP_DEFAULTS = new Set(['PORT', 'SHUTDOWN_TIMEOUT_MS']);

/** Unset, empty, numbers around every bound, flag spellings, URLs, levels, S3 names. */
const SAMPLES = [
  undefined,
  '',
  ' ',
  '0',
  '1',
  '-1',
  '0.5',
  '0.7',
  '0.9',
  '0.95',
  '1.5',
  '1e3',
  '8080',
  '65535',
  '65536',
  'true',
  'false',
  'yes',
  'http',
  'not a url',
  'redis://redis:6380/1',
  'http://minio:9000',
  'debug',
  'silent',
  'verbose',
  'runstream-data',
  'Bad_Bucket',
  'prod/',
  '../',
  '127.0.0.1',
];

/** What an app makes of `env`: the value it reads for `variable`, or every problem it names. */
function outcome(schema: z.ZodObject, env: Record<string, string>, variable: string): unknown {
  const parsed = schema.safeParse(env);
  return parsed.success
    ? { value: parsed.data[variable] }
    : { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}

const sharedVariables = [
  ...new Set(Object.values(APPS).flatMap((schema) => Object.keys(schema.shape))),
]
  .map((variable) => {
    const apps = Object.keys(APPS).filter((file) => variable in APPS[file]!.shape);
    return { variable, apps, names: apps.map((file) => file.split('/')[1]).join(', ') };
  })
  .filter(({ apps }) => apps.length > 1);

describe('the settings the apps share', () => {
  it('include the Redis, memory, logging, server, auth and S3 settings', () => {
    expect(sharedVariables.map((s) => s.variable).sort()).toEqual(
      expect.arrayContaining([
        'FLUSH_THRESHOLD',
        'HARD_LIMIT',
        'HOST',
        'LOG_LEVEL',
        'PORT',
        'REDIS_MEMORY_BUDGET_BYTES',
        'REDIS_URL',
        'RUNSTREAM_INSECURE_NO_AUTH',
        'S3_ACCESS_KEY_ID',
        'S3_BUCKET',
        'SHUTDOWN_TIMEOUT_MS',
      ]),
    );
  });

  it.each(sharedVariables)('$variable reads alike in $names', ({ variable, apps }) => {
    for (const value of SAMPLES) {
      if (value === undefined && PER_APP_DEFAULTS.has(variable)) continue;
      const env = { ...BASE_ENV };
      if (value === undefined) delete env[variable];
      else env[variable] = value;
      const [first, ...others] = apps.map((file) => ({
        file,
        outcome: outcome(APPS[file]!, env, variable),
      }));
      for (const other of others)
        expect({ [variable]: value, ...other }).toEqual({
          [variable]: value,
          ...first!,
          file: other.file,
        });
    }
  });
});

describe("the README's configuration tables", () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

  it.each(Object.keys(APPS))('list exactly the variables of %s', (file) => {
    expect(documentedVariables(readme, file).sort()).toEqual(Object.keys(APPS[file]!.shape).sort());
  });
});
