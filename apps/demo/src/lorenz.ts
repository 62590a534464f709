import type { Derivative } from './rk4';

/** The Lorenz system: x' = σ(y − x), y' = x(ρ − z) − y, z' = xy − βz. */
export interface LorenzParams {
  sigma: number;
  rho: number;
  beta: number;
}

/** The classic chaotic parameters. */
export const CLASSIC_LORENZ: LorenzParams = { sigma: 10, rho: 28, beta: 8 / 3 };

export function lorenzDerivative(p: LorenzParams): Derivative {
  return (_t, [x = 0, y = 0, z = 0]) => [
    p.sigma * (y - x),
    x * (p.rho - z) - y,
    x * y - p.beta * z,
  ];
}

/** The two non-trivial fixed points C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1). */
export function lorenzFixedPoints(p: LorenzParams): [number[], number[]] {
  const c = Math.sqrt(p.beta * (p.rho - 1));
  return [
    [c, c, p.rho - 1],
    [-c, -c, p.rho - 1],
  ];
}
