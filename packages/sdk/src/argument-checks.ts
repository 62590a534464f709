import { RUN_ID_PATTERN, variableNameProblem } from '@runstream/domain';
import { RunstreamConfigError } from './errors';

/**
 * Checks of what a caller passes to the SDK's constructors and methods, at
 * once rather than as a confusing failure later: an unusable option throws
 * RunstreamConfigError naming it; a bad run id or variable name, a
 * programmer's mistake, TypeError.
 */

/** Options objects with a number under `key`. */
type NumberOptions<K extends string> = { readonly [key in K]?: number };

/** `options[key]`, else `fallback`: a finite number no smaller than `min`. */
export function numberOption<K extends string>(
  options: NumberOptions<K>,
  key: K,
  fallback: number,
  min: number,
): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RunstreamConfigError(
      `options.${key}`,
      `must be a finite number >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}

/** `options[key]`, else `fallback`: a finite number over 0. */
export function positiveOption<K extends string>(
  options: NumberOptions<K>,
  key: K,
  fallback: number,
): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RunstreamConfigError(
      `options.${key}`,
      `must be a positive number, got ${String(value)}`,
    );
  }
  return value;
}

/** Run ids are checked before they go into a path: `../x` must not reach another route. */
export function checkRunId(run: string): void {
  if (typeof run !== 'string' || !RUN_ID_PATTERN.test(run)) {
    throw new TypeError(
      `invalid run id ${JSON.stringify(run)}: 1-128 characters of A-Z a-z 0-9 . _ -`,
    );
  }
}

export function checkVariable(variable: string): string {
  const problem = variableNameProblem(variable);
  if (problem !== undefined)
    throw new TypeError(`invalid variable name ${JSON.stringify(variable)}: ${problem}`);
  return variable;
}
