import { dashboardConfigSchema } from '@runstream/dashboard';
import { DEMO_VARIABLES, loadDemoConfig } from '@runstream/demo/config';
import { workerConfigSchema } from '@runstream/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ingestConfigSchema } from './config';

/**
 * docker-compose.yml and .env.example read as compose reads them: every
 * variable compose gives an app is one that app knows, and with the
 * template's blanks filled in every app's configuration parses.
 */

const ROOT = join(__dirname, '..', '..', '..');
const COMPOSE_TEXT = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const TEMPLATE_TEXT = readFileSync(join(ROOT, '.env.example'), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  stop_grace_period?: string;
  profiles?: string[];
}

const services = (
  parse(COMPOSE_TEXT, { merge: true }) as { services: Record<string, ComposeService> }
).services;

/** The apps' schemas; the demo has none, only the list of what it reads. */
const SCHEMAS: Record<string, z.ZodObject> = {
  ingest: ingestConfigSchema,
  worker: workerConfigSchema,
  dashboard: dashboardConfigSchema,
};

function knownVariables(app: string): string[] {
  if (app === 'demo') return [...DEMO_VARIABLES];
  const schema = SCHEMAS[app];
  if (schema === undefined) throw new Error(`no schema for app '${app}'`);
  return Object.keys(schema.shape);
}

/** The app a service runs, from its `node apps/<app>/dist/main.js` command. */
function appOf(service: ComposeService): string | undefined {
  const script = service.command?.find((part) => /^apps\/[^/]+\/dist\//.test(part));
  return script?.split('/')[1];
}

const appServices = Object.entries(services)
  .map(([name, service]) => ({ name, service, app: appOf(service) }))
  .filter((s): s is { name: string; service: ComposeService; app: string } => s.app !== undefined);

/** Compose's interpolation, the forms this file may use: ${X}, ${X:-d}, ${X-d}, ${X:?e}, ${X?e}, $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (_match, name: string | undefined, colon: string, op: string | undefined, arg: string) => {
      if (name === undefined) return '$';
      const value = env[name];
      const missing = value === undefined || (colon === ':' && value === '');
      if (!missing) return value;
      if (op === '-') return arg;
      if (op === '?') throw new Error(`compose needs ${name}: ${arg}`);
      return '';
    },
  );
}

function environmentOf(service: ComposeService, env: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]),
  );
}

/** `NAME=` lines of the template, set (to fill in) or commented out (defaults). */
const templateLines = [...TEMPLATE_TEXT.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=/gm)];
const templateVariables = templateLines.map((m) => m[2]!);
const templateBlanks = templateLines.filter((m) => m[1] === undefined).map((m) => m[2]!);

/** What a filled-in .env holds: every blank of the template, with valid values. */
const FILLED_ENV: Record<string, string> = {
  MINIO_ROOT_USER: 'minio-root',
  MINIO_ROOT_PASSWORD: 'root-password-0123',
  S3_ACCESS_KEY_ID: 'runstream-app',
  S3_SECRET_ACCESS_KEY: 'app-secret-0123',
  RUNSTREAM_WRITE_TOKENS: 'producer-token-0123456789',
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'correct-horse-battery',
};

const DEMO_TOKEN = 'demo-token-0123456789';

function parsedConfig(app: string, env: Record<string, string>): Record<string, unknown> {
  const schema = SCHEMAS[app]!;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `${app}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Compose durations as this file writes them: 40s, 1m30s. */
function seconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (match === null || duration === '') throw new Error(`unread duration '${duration}'`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

describe('docker-compose.yml', () => {
  it('runs every app: ingest, the workers, the dashboard, the demo', () => {
    expect([...new Set(appServices.map((s) => s.app))].sort()).toEqual([
      'dashboard',
      'demo',
      'ingest',
      'worker',
    ]);
  });

  it.each(appServices)(
    '$name gives $app only variables its configuration knows',
    ({ app, service }) => {
      const known = new Set(knownVariables(app));
      const unknown = Object.keys(service.environment ?? {}).filter((v) => !known.has(v));
      expect(unknown).toEqual([]);
    },
  );

  it.each(appServices.filter((s) => s.app !== 'demo'))(
    "$name: with the template's blanks filled in, its configuration parses",
    ({ app, service }) => {
      expect(() => parsedConfig(app, environmentOf(service, FILLED_ENV))).not.toThrow();
    },
  );

  it.each(appServices.filter((s) => s.app !== 'demo'))(
    "$name: its graceful shutdown ends before Docker's SIGKILL (stop_grace_period)",
    ({ app, service }) => {
      const config = parsedConfig(app, environmentOf(service, FILLED_ENV));
      const grace = seconds(service.stop_grace_period ?? '10s');
      expect(grace * 1000).toBeGreaterThan(Number(config.SHUTDOWN_TIMEOUT_MS));
    },
  );

  describe('the demo profile', () => {
    const demo = appServices.find((s) => s.app === 'demo')!;
    const ingest = appServices.find((s) => s.app === 'ingest')!;

    it.each<[string, Record<string, string>]>([
      ['beside the write tokens', { ...FILLED_ENV, DEMO_TOKEN }],
      ['as the only write token', { ...FILLED_ENV, RUNSTREAM_WRITE_TOKENS: '', DEMO_TOKEN }],
    ])("gives the demo a token that is one of ingest's write tokens (%s)", (_case, env) => {
      expect(demo.service.profiles).toEqual(['demo']);
      const demoConfig = loadDemoConfig(environmentOf(demo.service, env));
      const ingestConfig = parsedConfig('ingest', environmentOf(ingest.service, env));
      expect(demoConfig.sdkEnv.RUNSTREAM_TOKEN).toBe(DEMO_TOKEN);
      expect(ingestConfig.RUNSTREAM_WRITE_TOKENS).toContain(DEMO_TOKEN);
      if (env.RUNSTREAM_WRITE_TOKENS !== '')
        expect(ingestConfig.RUNSTREAM_WRITE_TOKENS).toContain(FILLED_ENV.RUNSTREAM_WRITE_TOKENS);
    });

    it('adds no write token when DEMO_TOKEN is unset', () => {
      const ingestConfig = parsedConfig('ingest', environmentOf(ingest.service, FILLED_ENV));
      expect(ingestConfig.RUNSTREAM_WRITE_TOKENS).toEqual([FILLED_ENV.RUNSTREAM_WRITE_TOKENS]);
    });
  });

  it('builds one image, which every app service runs', () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(built.map(([name]) => name)).toEqual(['ingest']);
    const images = new Set(appServices.map((s) => s.service.image));
    expect([...images]).toEqual([built[0]![1].image]);
  });

  it('publishes ports on 127.0.0.1 unless told otherwise', () => {
    const ports = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(interpolate(port, {})).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('reads without an .env: every variable has a default', () => {
    expect(() => interpolate(COMPOSE_TEXT, {})).not.toThrow();
  });
});

describe('.env.example', () => {
  it('lists every variable the compose file reads, and no other', () => {
    const read = [...COMPOSE_TEXT.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    expect([...new Set(templateVariables)].sort()).toEqual([...new Set(read)].sort());
  });

  it('leaves blank exactly the values the filled-in environment of these tests sets', () => {
    expect([...templateBlanks].sort()).toEqual(Object.keys(FILLED_ENV).sort());
  });
});
