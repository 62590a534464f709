import type { SampleValue } from '@runstream/domain';
import {
  DEFAULT_OSCILLATOR,
  oscillatorDerivative,
  oscillatorEnergy,
  type OscillatorParams,
} from './damped-oscillator';
import { CLASSIC_LORENZ, lorenzDerivative } from './lorenz';
import { readSensor } from './noisy-sensor';
import { rk4Step, type Derivative } from './rk4';
import { seededRandom } from './seeded-random';

/** RK4 on Lorenz wants a small step; at low rates model time runs slower than real time. */
export const MAX_DT = 0.01;

/** The model step at `stepsPerSecond` steps per real second: real time, at most MAX_DT. */
export function stepFor(stepsPerSecond: number): number {
  return Math.min(MAX_DT, 1 / stepsPerSecond);
}

/** The drive alternates: on for this long, then off for as long. */
export const DRIVE_PERIOD_S = 15;

export type Phase = 'driven' | 'free-decay';

export function phaseAt(t: number): Phase {
  return Math.floor(t / DRIVE_PERIOD_S) % 2 === 0 ? 'driven' : 'free-decay';
}

/** One logged value: what the demo hands to `producer.log`. */
export interface DemoSample {
  variable: string;
  v: SampleValue;
}

/**
 * The demo's model: a damped driven oscillator, a Lorenz system and a noisy
 * sensor watching the oscillator, all stepped together with RK4 in model
 * time. Pure apart from its seeded random source: no clock, no I/O.
 */
export class DemoModel {
  t = 0;
  private osc: number[] = [1, 0];
  private lorenz: number[] = [1, 1, 1];
  private readonly oscF: Derivative;
  private readonly lorenzF = lorenzDerivative(CLASSIC_LORENZ);
  private readonly random: () => number;

  constructor(
    readonly dt: number,
    seed = 1,
    private readonly oscillator: OscillatorParams = DEFAULT_OSCILLATOR,
  ) {
    this.oscF = oscillatorDerivative(oscillator, (t) => phaseAt(t) === 'driven');
    this.random = seededRandom(seed);
  }

  /** Advances one step of `dt` and returns the samples of the new state. */
  step(): DemoSample[] {
    this.osc = rk4Step(this.oscF, this.t, this.osc, this.dt);
    this.lorenz = rk4Step(this.lorenzF, this.t, this.lorenz, this.dt);
    this.t += this.dt;
    const [x = 0, v = 0] = this.osc;
    const [lx = 0, ly = 0, lz = 0] = this.lorenz;
    return [
      { variable: 'oscillator.x', v: x },
      { variable: 'oscillator.v', v },
      { variable: 'oscillator.energy', v: oscillatorEnergy(this.oscillator, x, v) },
      { variable: 'lorenz.x', v: lx },
      { variable: 'lorenz.y', v: ly },
      { variable: 'lorenz.z', v: lz },
      { variable: 'lorenz.state', v: [lx, ly, lz] },
      { variable: 'sensor.noisy', v: readSensor(x, this.random) },
      { variable: 'phase', v: phaseAt(this.t) },
    ];
  }
}
