import { loadDemoConfig } from './config';
import { DemoModel, phaseAt, DRIVE_PERIOD_S } from './demo-model';
import { readSensor } from './noisy-sensor';
import { seededRandom } from './seeded-random';

describe('DemoModel', () => {
  it('logs every variable with the right kind of value each step', () => {
    const model = new DemoModel(0.005, 7);
    const samples = model.step();
    expect(samples.map((s) => s.variable)).toEqual([
      'oscillator.x',
      'oscillator.v',
      'oscillator.energy',
      'lorenz.x',
      'lorenz.y',
      'lorenz.z',
      'lorenz.state',
      'sensor.noisy',
      'phase',
    ]);
    const byName = new Map(samples.map((s) => [s.variable, s.v]));
    expect(byName.get('lorenz.state')).toEqual([
      byName.get('lorenz.x'),
      byName.get('lorenz.y'),
      byName.get('lorenz.z'),
    ]);
    expect(byName.get('phase')).toBe('driven');
    expect(model.t).toBeCloseTo(0.005, 12);
  });

  it('is reproducible from its seed', () => {
    const a = new DemoModel(0.005, 3);
    const b = new DemoModel(0.005, 3);
    for (let i = 0; i < 500; i++) expect(a.step()).toEqual(b.step());
  });

  it('alternates driven and free-decay phases', () => {
    expect(phaseAt(0)).toBe('driven');
    expect(phaseAt(DRIVE_PERIOD_S + 0.1)).toBe('free-decay');
    expect(phaseAt(2 * DRIVE_PERIOD_S + 0.1)).toBe('driven');
  });
});

describe('readSensor', () => {
  it('drops out as NaN about 1% of the time and saturates to ±Infinity more rarely', () => {
    const random = seededRandom(42);
    let nan = 0;
    let inf = 0;
    let sum = 0;
    let finite = 0;
    for (let i = 0; i < 100_000; i++) {
      const r = readSensor(i % 2 === 0 ? 1 : -1, random);
      if (Number.isNaN(r)) nan++;
      else if (!Number.isFinite(r)) inf++;
      else {
        sum += Math.abs(r);
        finite++;
      }
    }
    expect(nan).toBeGreaterThan(800);
    expect(nan).toBeLessThan(1200);
    expect(inf).toBeGreaterThan(100);
    expect(inf).toBeLessThan(300);
    expect(sum / finite).toBeCloseTo(1, 1);
  });
});

describe('loadDemoConfig', () => {
  it('has defaults', () => {
    const c = loadDemoConfig({}, new Date('2025-03-04T05:06:07.890Z'));
    expect(c).toMatchObject({
      stepsPerSecond: 200,
      durationS: 0,
      seed: 1,
      runId: 'demo-20250304T050607Z',
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadDemoConfig({ DEMO_STEPS_PER_SECOND: 'fast' })).toThrow(
      /DEMO_STEPS_PER_SECOND/,
    );
    expect(() => loadDemoConfig({ DEMO_DURATION_S: '-1' })).toThrow(/DEMO_DURATION_S/);
    expect(() => loadDemoConfig({ DEMO_RUN_ID: 'a/b' })).toThrow(/DEMO_RUN_ID/);
  });
});
