/** How the observer spaces its looks at a run (OBSERVER_DELAY_STRATEGY). */
export type ObserverDelayStrategy = 'constant' | 'divided' | 'exponential';

export const OBSERVER_DELAY_STRATEGIES = ['constant', 'divided', 'exponential'] as const;

/** Never look again sooner than this, whatever the strategy computes. */
export const MIN_OBSERVER_DELAY_MS = 10;

/**
 * The delay before look `k` (1-based) of a series of unchanged looks, from
 * the base interval:
 *   constant     base
 *   divided      base / k           (looks come faster as the run stays quiet)
 *   exponential  base / 2^(k-1)     (exponential decay)
 * A look that sees the count changed starts the series again at k = 1.
 */
export function observerDelay(strategy: ObserverDelayStrategy, baseMs: number, k: number): number {
  const delay =
    strategy === 'constant' ? baseMs : strategy === 'divided' ? baseMs / k : baseMs / 2 ** (k - 1);
  return Math.max(MIN_OBSERVER_DELAY_MS, Math.round(delay));
}

/**
 * The observation window: how long a run must stay unchanged to be called
 * idle (the sum of the delays of `repeats` unchanged looks). A producer that
 * writes more often than this is never completed by the observer.
 */
export function observationWindow(
  strategy: ObserverDelayStrategy,
  baseMs: number,
  repeats: number,
): number {
  let sum = 0;
  for (let k = 1; k <= repeats; k++) sum += observerDelay(strategy, baseMs, k);
  return sum;
}
