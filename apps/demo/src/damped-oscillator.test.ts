import {
  DEFAULT_OSCILLATOR,
  freeOscillation,
  oscillatorDerivative,
  oscillatorEnergy,
} from './damped-oscillator';
import { rk4Step } from './rk4';

describe('damped driven oscillator', () => {
  const free = oscillatorDerivative(DEFAULT_OSCILLATOR, () => false);

  it('loses energy at every step when not driven', () => {
    let y = [1, 0];
    let energy = oscillatorEnergy(DEFAULT_OSCILLATOR, 1, 0);
    let increases = 0;
    const h = 0.005;
    for (let i = 0; i < 4000; i++) {
      y = rk4Step(free, i * h, y, h);
      const e = oscillatorEnergy(DEFAULT_OSCILLATOR, y[0] ?? NaN, y[1] ?? NaN);
      if (!(e < energy)) increases++;
      energy = e;
    }
    expect(increases).toBe(0);
    // ζω₀ = 0.05π: energy ~ e^(-2ζω₀t), after 20 s about e^(-2π) of the start.
    expect(energy / oscillatorEnergy(DEFAULT_OSCILLATOR, 1, 0)).toBeLessThan(0.01);
  });

  it('follows the analytic underdamped solution', () => {
    let y = [1, 0];
    const h = 0.005;
    for (let i = 1; i <= 2000; i++) {
      y = rk4Step(free, (i - 1) * h, y, h);
      if (i % 200 === 0)
        expect(
          Math.abs((y[0] ?? NaN) - freeOscillation(DEFAULT_OSCILLATOR, 1, i * h)),
        ).toBeLessThan(1e-8);
    }
  });

  it('is kept moving by the drive', () => {
    const driven = oscillatorDerivative(DEFAULT_OSCILLATOR, () => true);
    let y = [0, 0];
    const h = 0.005;
    let peak = 0;
    for (let i = 0; i < 12_000; i++) {
      y = rk4Step(driven, i * h, y, h);
      if (i > 8000) peak = Math.max(peak, Math.abs(y[0] ?? 0));
    }
    expect(peak).toBeGreaterThan(0.5);
  });
});
