import {
  envFlag,
  insecureNoAuthEnvShape,
  parseEnv,
  serviceEnvShape,
} from '@runstream/service-config';
import { z } from 'zod';

/** First path segments the health routes own: a board mounted there would be shadowed. */
const RESERVED_SEGMENTS = new Set(['healthz', 'readyz', 'metrics']);

const basePath = z
  .string()
  .default('/')
  .refine((p) => /^\/(?:[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*\/?)?$/.test(p), {
    message: "must be '/' or a path such as '/queues' (letters, digits, . _ ~ -)",
  })
  .refine((p) => p.split('/').every((s) => s !== '.' && s !== '..'), {
    message: "must not contain '.' or '..' segments",
  })
  // '/queues/' and '/queues' are the same mount point; keep one spelling.
  .transform((p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p))
  .refine((p) => !RESERVED_SEGMENTS.has(p.split('/')[1] ?? ''), {
    message: 'must not start with /healthz, /readyz or /metrics (the unauthenticated routes)',
  });

/**
 * Every setting of the dashboard, read from the environment once, at boot.
 * The settings other apps read too come from @runstream/service-config,
 * each declared (and commented) once there.
 */
export const dashboardConfigSchema = z
  .object({
    ...serviceEnvShape({ port: 8082, shutdownTimeoutMs: 10_000 }),
    ...insecureNoAuthEnvShape,
    /** HTTP Basic user name. A ':' cannot be sent in Basic credentials (RFC 7617). */
    DASHBOARD_USER: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || !v.includes(':'), 'must not contain ":"'),
    /** HTTP Basic password; long enough that guessing it over HTTP is hopeless. */
    DASHBOARD_PASSWORD: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || v.length >= 12, 'must be at least 12 characters'),
    /** Show the queues but refuse every action (retry, remove, clean, pause, add…). */
    DASHBOARD_READ_ONLY: envFlag,
    /** Where the board is mounted, e.g. '/queues' behind a reverse proxy; '/' by default. */
    BASE_PATH: basePath,
    /** Wrong passwords one client (IP) may send per window before every request of it gets 429. */
    DASHBOARD_LOGIN_ATTEMPTS: z.coerce.number().int().min(1).default(10),
    /** The window of DASHBOARD_LOGIN_ATTEMPTS, in seconds. */
    DASHBOARD_LOGIN_WINDOW_S: z.coerce.number().int().min(1).default(900),
  })
  .superRefine((c, ctx) => {
    if (c.RUNSTREAM_INSECURE_NO_AUTH) return;
    // bull-board has no auth of its own and its buttons delete jobs: no credentials, no start.
    for (const name of ['DASHBOARD_USER', 'DASHBOARD_PASSWORD'] as const) {
      if (c[name] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            'missing: set DASHBOARD_USER and DASHBOARD_PASSWORD, or RUNSTREAM_INSECURE_NO_AUTH=1 for local development',
        });
    }
  });

export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;

/** What stands in front of the board: HTTP Basic with one user, or (development) nothing. */
export type DashboardAuth =
  { kind: 'basic'; user: string; password: string } | { kind: 'insecure-none' };

/**
 * The auth the config asks for. The development flag wins over credentials,
 * as it does in ingest, so a flag left on is never mistaken for protection.
 */
export function authFromConfig(c: DashboardConfig): DashboardAuth {
  if (c.RUNSTREAM_INSECURE_NO_AUTH) return { kind: 'insecure-none' };
  if (c.DASHBOARD_USER === undefined || c.DASHBOARD_PASSWORD === undefined)
    // Unreachable after loadConfig; kept so a hand-built config cannot open the board.
    throw new Error('DASHBOARD_USER and DASHBOARD_PASSWORD are required');
  return { kind: 'basic', user: c.DASHBOARD_USER, password: c.DASHBOARD_PASSWORD };
}

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  return parseEnv(dashboardConfigSchema, env, 'dashboard');
}
