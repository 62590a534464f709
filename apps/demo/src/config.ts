import { RunstreamConfigError as DemoConfigError } from '@runstream/sdk';

/**
 * The demo's configuration, read from the environment once at start-up.
 * This is the only module that reads `process.env`; the SDK's own variables
 * (RUNSTREAM_URL, RUNSTREAM_TOKEN, RUNSTREAM_MIN_INTERVAL_MS) are passed on
 * to it from here.
 */
export interface DemoConfig {
  /** DEMO_STEPS_PER_SECOND: model steps per real second (default 200). */
  stepsPerSecond: number;
  /** DEMO_DURATION_S: model seconds to run, 0 = until SIGINT/SIGTERM (default 0). */
  durationS: number;
  /** DEMO_RUN_ID: run id to create or reuse (default `demo-<UTC timestamp>`). */
  runId: string;
  /** DEMO_SEED: seed of the sensor noise (default 1). */
  seed: number;
  /** What the SDK reads its RUNSTREAM_* defaults from. */
  sdkEnv: NodeJS.ProcessEnv;
}

/** A DEMO_* variable is unusable: the SDK's error for its own variables, naming it. */
export { DemoConfigError };

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The SDK's own variables, passed on to it untouched. */
const SDK_VARIABLES = ['RUNSTREAM_URL', 'RUNSTREAM_TOKEN', 'RUNSTREAM_MIN_INTERVAL_MS'] as const;

/**
 * Every variable the demo reads, for the check that the compose file gives it
 * nothing it would ignore (the demo has no zod schema to ask).
 */
export const DEMO_VARIABLES = [
  'DEMO_STEPS_PER_SECOND',
  'DEMO_DURATION_S',
  'DEMO_RUN_ID',
  'DEMO_SEED',
  ...SDK_VARIABLES,
] as const;

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env, now = new Date()): DemoConfig {
  const stepsPerSecond = number(env, 'DEMO_STEPS_PER_SECOND', 200, (n) => n > 0 && n <= 100_000);
  const durationS = number(env, 'DEMO_DURATION_S', 0, (n) => n >= 0);
  const seed = number(env, 'DEMO_SEED', 1, (n) => Number.isSafeInteger(n));
  const runId = value(env, 'DEMO_RUN_ID') ?? `demo-${now.toISOString().replace(/[-:]|\.\d+/g, '')}`;
  if (!RUN_ID.test(runId)) {
    throw new DemoConfigError(
      'DEMO_RUN_ID',
      `'${runId}' must be 1-128 characters of A-Z a-z 0-9 . _ -`,
    );
  }
  return {
    stepsPerSecond,
    durationS,
    runId,
    seed,
    sdkEnv: Object.fromEntries(SDK_VARIABLES.map((name) => [name, env[name]])),
  };
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function number(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  ok: (n: number) => boolean,
): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !ok(n)) throw new DemoConfigError(name, `'${raw}' is out of range`);
  return n;
}
