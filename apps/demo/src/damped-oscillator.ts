import type { Derivative } from './rk4';

/**
 * x'' + 2ζω₀x' + ω₀²x = F·cos(ω_d·t) · drive(t): a damped oscillator with a
 * periodic force that can be switched on and off (the demo alternates
 * "driven" and "free-decay" phases so the energy plot has something to show).
 */
export interface OscillatorParams {
  /** Natural angular frequency ω₀ (rad/s). */
  omega0: number;
  /** Damping ratio ζ (< 1: underdamped). */
  zeta: number;
  /** Force amplitude F. */
  force: number;
  /** Drive angular frequency (rad/s). */
  omegaDrive: number;
}

export const DEFAULT_OSCILLATOR: OscillatorParams = {
  omega0: 2 * Math.PI * 0.5,
  zeta: 0.05,
  force: 2,
  omegaDrive: 2 * Math.PI * 0.45,
};

/** State [x, v]. `driven(t)` says whether the force acts at model time t. */
export function oscillatorDerivative(
  p: OscillatorParams,
  driven: (t: number) => boolean,
): Derivative {
  return (t, [x = 0, v = 0]) => {
    const f = driven(t) ? p.force * Math.cos(p.omegaDrive * t) : 0;
    return [v, f - 2 * p.zeta * p.omega0 * v - p.omega0 * p.omega0 * x];
  };
}

/** Mechanical energy per unit mass: ½v² + ½ω₀²x². Without force it can only decrease. */
export function oscillatorEnergy(p: OscillatorParams, x: number, v: number): number {
  return 0.5 * v * v + 0.5 * p.omega0 * p.omega0 * x * x;
}

/**
 * Exact free (F = 0) underdamped motion from x(0) = x0, v(0) = 0, for tests:
 * x(t) = x0·e^(−ζω₀t)·(cos ω₁t + (ζω₀/ω₁)·sin ω₁t), ω₁ = ω₀√(1−ζ²).
 */
export function freeOscillation(p: OscillatorParams, x0: number, t: number): number {
  const w1 = p.omega0 * Math.sqrt(1 - p.zeta * p.zeta);
  const a = p.zeta * p.omega0;
  return x0 * Math.exp(-a * t) * (Math.cos(w1 * t) + (a / w1) * Math.sin(w1 * t));
}
