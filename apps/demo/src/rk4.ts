/** dy/dt = f(t, y) for a state vector y. */
export type Derivative = (t: number, y: readonly number[]) => number[];

/**
 * One classical Runge-Kutta (RK4) step of size h: fourth-order accurate
 * (global error O(h^4)), which keeps the Lorenz attractor's shape and the
 * oscillator's energy balance honest at the demo's step sizes.
 */
export function rk4Step(f: Derivative, t: number, y: readonly number[], h: number): number[] {
  const n = y.length;
  const k1 = f(t, y);
  const y2 = new Array<number>(n);
  for (let i = 0; i < n; i++) y2[i] = (y[i] as number) + (h / 2) * (k1[i] as number);
  const k2 = f(t + h / 2, y2);
  const y3 = new Array<number>(n);
  for (let i = 0; i < n; i++) y3[i] = (y[i] as number) + (h / 2) * (k2[i] as number);
  const k3 = f(t + h / 2, y3);
  const y4 = new Array<number>(n);
  for (let i = 0; i < n; i++) y4[i] = (y[i] as number) + h * (k3[i] as number);
  const k4 = f(t + h, y4);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      (y[i] as number) +
      (h / 6) *
        ((k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) + (k4[i] as number));
  }
  return out;
}
