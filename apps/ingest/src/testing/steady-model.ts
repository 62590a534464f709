import type { Producer } from '@runstream/sdk';
import type { ExpectedSample } from '@runstream/testkit';

/** The t of every variable's sample `seq`. */
export function sampleTime(seq: number): number {
  return (seq - 1) * 0.25;
}

/** The value of variable number `i`'s sample `seq`: ordinary doubles, NaN and ±Infinity among them. */
export function sampleValue(i: number, seq: number): number {
  if (seq % 1009 === 0) return NaN;
  if (seq % 1013 === 0) return Infinity;
  if (seq % 1019 === 0) return -Infinity;
  return Math.sin(seq / 977 + i) * 1000 + i;
}

/** Sample `seq` of variable number `i` as the SDK reads it back: what historyProblem expects. */
export function modelSample(i: number): (seq: number) => ExpectedSample {
  return (seq) => ({ t: sampleTime(seq), v: sampleValue(i, seq) });
}

/** A model's variable: its name, and the number `sampleValue` takes for it. */
export interface ModelVariable {
  name: string;
  index: number;
}

/**
 * The variables of `producers` models with `perProducer` variables each,
 * numbered from 0: `${prefix}${producer}.v${k}`, the first model's first.
 */
export function modelVariables(
  producers: number,
  perProducer: number,
  prefix: string,
): ModelVariable[] {
  return Array.from({ length: producers * perProducer }, (_, index) => ({
    name: `${prefix}${Math.floor(index / perProducer)}.v${index % perProducer}`,
    index,
  }));
}

export interface SteadyModelOptions {
  samplesPerTick: () => number;
  tickMs: number;
  maxHeld: number;
  /** Samples per variable, after which the model has finished (default: until stopped). */
  total?: number;
}

/**
 * A simulation model logging samples 1, 2, 3… of its variables through one
 * SDK producer, `samplesPerTick()` per variable every `tickMs`, until
 * `stop()` or `total`. It keeps pace with its producer: while the producer
 * holds `maxHeld` unacknowledged samples (the server refusing, S3 down…) it
 * waits, as a model that must not drop samples does.
 */
export class SteadyModel {
  private last = 0;
  private bytes = 0;
  private stopping = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly producer: Producer,
    readonly variables: readonly ModelVariable[],
    options: SteadyModelOptions,
  ) {
    const total = options.total ?? Infinity;
    this.loop = (async () => {
      while (!this.stopping && this.last < total) {
        while (producer.stats.buffered > options.maxHeld && !this.stopping)
          await new Promise((r) => setTimeout(r, 5));
        const until = Math.min(total, this.last + options.samplesPerTick());
        for (const { name, index } of variables) {
          for (let seq = this.last + 1; seq <= until; seq++) {
            const t = sampleTime(seq);
            const v = sampleValue(index, seq);
            producer.log(name, t, v);
            // What Redis keeps of it: t and v as JSON text ({"$num":"NaN"}…) and separators.
            this.bytes += String(t).length + (Number.isFinite(v) ? String(v).length : 16) + 2;
          }
        }
        this.last = until;
        await new Promise((r) =>
          options.tickMs > 0 ? setTimeout(r, options.tickMs) : setImmediate(r),
        );
      }
    })();
  }

  /** Samples logged per variable so far (its last seq). */
  get logged(): number {
    return this.last;
  }

  /** Bytes of sample text logged so far, over every variable. */
  get dataBytes(): number {
    return this.bytes;
  }

  /** Resolves when the model has logged `total` (or was stopped). */
  finished(): Promise<void> {
    return this.loop;
  }

  /** Stops logging and waits until the producer has every logged sample acknowledged. */
  async stop(): Promise<void> {
    await this.halt();
    await this.producer.flush();
  }

  /** Stops logging, without waiting for the producer (a test that failed half-way). */
  async halt(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}
