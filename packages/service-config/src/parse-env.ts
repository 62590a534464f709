import type { z } from 'zod';

/** One variable the environment got wrong. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** A configuration that cannot start the app; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(
    readonly what: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid ${what} configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`,
    );
    this.name = new.target.name;
  }
}

/**
 * Parses `env` with `schema`, or throws a ConfigError naming each bad
 * variable (`what` says whose configuration it is: 'ingest', 'worker'…).
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    what,
    parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message })),
  );
}
