import { rk4Step, type Derivative } from './rk4';

function integrate(f: Derivative, y0: number[], h: number, steps: number): number[] {
  let y = y0;
  for (let i = 0; i < steps; i++) y = rk4Step(f, i * h, y, h);
  return y;
}

describe('rk4Step', () => {
  it('matches exponential decay y = e^-t', () => {
    const [y = NaN] = integrate((_t, [y = 0]) => [-y], [1], 0.1, 10);
    expect(Math.abs(y - Math.exp(-1))).toBeLessThan(1e-6);
  });

  it("uses t: y' = cos t gives sin t", () => {
    const [y = NaN] = integrate((t) => [Math.cos(t)], [0], 0.05, 40);
    expect(y).toBeCloseTo(Math.sin(2), 8);
  });

  it('brings a harmonic oscillator back after one period', () => {
    const steps = 1000;
    const [x = NaN, v = NaN] = integrate(
      (_t, [x = 0, v = 0]) => [v, -x],
      [1, 0],
      (2 * Math.PI) / steps,
      steps,
    );
    expect(Math.abs(x - 1)).toBeLessThan(1e-9);
    expect(Math.abs(v)).toBeLessThan(1e-9);
  });

  it('is fourth order: halving h divides the error by about 16', () => {
    const f: Derivative = (_t, [y = 0]) => [-2 * y];
    const err = (h: number): number =>
      Math.abs((integrate(f, [1], h, Math.round(1 / h))[0] ?? NaN) - Math.exp(-2));
    const ratio = err(0.1) / err(0.05);
    expect(ratio).toBeGreaterThan(14);
    expect(ratio).toBeLessThan(18);
  });
});
