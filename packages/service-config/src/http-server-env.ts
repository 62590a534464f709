import { z } from 'zod';

/** What differs between the apps' servers: each listens on its own port by default. */
export interface HttpServerDefaults {
  port: number;
  shutdownTimeoutMs: number;
}

/** Where an app's HTTP server listens and how long it may take to stop. */
export function httpServerEnvShape(defaults: HttpServerDefaults) {
  return {
    /** Port of the app's HTTP server: its API or board, and /healthz, /readyz, /metrics. */
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    /** Interface to listen on. */
    HOST: z.string().default('0.0.0.0'),
    /** How long a graceful shutdown (SIGTERM, SIGINT) may take before the process exits anyway. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(defaults.shutdownTimeoutMs),
  };
}
