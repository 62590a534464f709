import { gaussian } from './seeded-random';

/**
 * A sensor reading of a true value: Gaussian noise, and the failures real
 * instruments log — a dropout as NaN now and then, a saturated reading as
 * ±Infinity more rarely. They exist to show those values surviving storage.
 */
export interface SensorParams {
  noise: number;
  nanProbability: number;
  infinityProbability: number;
}

export const DEFAULT_SENSOR: SensorParams = {
  noise: 0.05,
  nanProbability: 0.01,
  infinityProbability: 0.002,
};

export function readSensor(
  trueValue: number,
  random: () => number,
  p: SensorParams = DEFAULT_SENSOR,
): number {
  const r = random();
  if (r < p.nanProbability) return NaN;
  if (r < p.nanProbability + p.infinityProbability) return trueValue >= 0 ? Infinity : -Infinity;
  return trueValue + p.noise * gaussian(random);
}
