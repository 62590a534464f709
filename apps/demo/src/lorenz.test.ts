import { CLASSIC_LORENZ, lorenzDerivative, lorenzFixedPoints } from './lorenz';
import { rk4Step } from './rk4';

describe('Lorenz system', () => {
  const f = lorenzDerivative(CLASSIC_LORENZ);

  it('has the textbook derivative', () => {
    expect(f(0, [1, 2, 3])).toEqual([10, 1 * (28 - 3) - 2, 2 - (8 / 3) * 3]);
  });

  it('is at rest at its fixed points', () => {
    for (const p of lorenzFixedPoints(CLASSIC_LORENZ)) {
      for (const d of f(0, p)) expect(Math.abs(d)).toBeLessThan(1e-12);
    }
  });

  it('stays on the bounded attractor and visits both lobes', () => {
    let y = [1, 1, 1];
    let left = 0;
    let right = 0;
    const max = [0, 0, 0];
    let minZ = Infinity;
    for (let i = 0; i < 20_000; i++) {
      y = rk4Step(f, i * 0.005, y, 0.005);
      y.forEach((c, k) => (max[k] = Math.max(max[k] ?? 0, Math.abs(c))));
      minZ = Math.min(minZ, y[2] ?? NaN);
      if ((y[0] ?? NaN) < 0) left++;
      else right++;
    }
    expect(max[0]).toBeLessThan(30);
    expect(max[1]).toBeLessThan(40);
    expect(max[2]).toBeLessThan(60);
    expect(minZ).toBeGreaterThan(-1);
    expect(left).toBeGreaterThan(1000);
    expect(right).toBeGreaterThan(1000);
  });
});
