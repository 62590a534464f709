import {
  encodeNumber,
  parseIngestBatch,
  type SampleChunk,
  type WireValue,
} from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import { seededRandom } from '@runstream/demo/seeded-random';

/** About one value in this many is NaN: model output has them, and they travel tagged. */
const NAN_ONE_IN = 150;
/** Model time step; accumulated by addition, as a solver does, so t has untidy decimals. */
const DT = 0.001;

/**
 * One variable of model output for the flush and snapshot phases, continued
 * batch after batch: t accumulated by DT, v a noisy sine with full, varied
 * mantissas and exponents, about one NaN in 150. Deterministic: the same
 * name index and seed give the same values, so every round moves the same bytes.
 */
export class SampleSeries {
  private time = 0;
  private readonly random: () => number;
  private readonly amplitude: number;
  private readonly frequency: number;
  private readonly phase: number;

  constructor(index: number, seed = 0x7e57) {
    this.random = seededRandom(seed + index * 7919);
    this.amplitude = 10 ** ((index % 5) - 2);
    this.frequency = 0.5 + index;
    this.phase = this.random() * 2 * Math.PI;
  }

  /** The next `count` samples. */
  next(count: number): { t: number[]; v: WireValue[] } {
    const t: number[] = new Array<number>(count);
    const v: WireValue[] = new Array<WireValue>(count);
    for (let j = 0; j < count; j++) {
      t[j] = this.time;
      const noise = (this.random() - 0.5) * this.amplitude * 0.02;
      const value =
        this.random() * NAN_ONE_IN < 1
          ? NaN
          : this.amplitude * Math.sin(2 * Math.PI * this.frequency * this.time + this.phase) +
            noise;
      v[j] = encodeNumber(value);
      this.time += DT;
    }
    return { t, v };
  }
}

/** Splits `total` into batch sizes of at most `batch` (the last one may be smaller). */
export function batchSizes(total: number, batch: number): number[] {
  if (!(batch >= 1)) throw new RangeError(`batch must be at least 1, got ${batch}`);
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= batch) sizes.push(Math.min(batch, left));
  return sizes;
}

export interface SeriesWriterOptions {
  /** Samples per variable per write (one stored chunk per variable per write). */
  batchSamples: number;
  /** Writes in flight at once on the one connection (they are applied in the order sent). */
  inFlight?: number;
  seed?: number;
}

/**
 * Writes model output for some variables of a run through the real write
 * path, as ingest does: each batch's body text goes through
 * `parseIngestBatch` and `BatchWriter.write` (the Lua script that
 * gives seqs and appends one chunk per variable). Every batch carries every
 * variable. Writes are pipelined on the store's one connection, so they land
 * in the order sent and seqs follow t.
 */
export class SeriesWriter {
  private readonly series: { name: string; data: SampleSeries }[];
  private readonly inFlight: number;
  written = 0;

  constructor(
    private readonly hot: HotStore,
    private readonly run: string,
    names: readonly string[],
    private readonly options: SeriesWriterOptions,
  ) {
    this.series = names.map((name, i) => ({ name, data: new SampleSeries(i, options.seed) }));
    this.inFlight = options.inFlight ?? 4;
  }

  /** Writes the next `count` samples of every variable; resolves once Redis has them all. */
  async write(count: number): Promise<void> {
    const pending = new Set<Promise<void>>();
    for (const size of batchSizes(count, this.options.batchSamples)) {
      const variables: Record<string, { t: number[]; v: WireValue[] }> = {};
      for (const s of this.series) variables[s.name] = s.data.next(size);
      const body = { variables };
      const text = JSON.stringify(body);
      const batch = parseIngestBatch(JSON.parse(text) as unknown);
      const write: Promise<void> = this.hot.writer.write(this.run, batch).then(() => {
        pending.delete(write);
      });
      pending.add(write);
      if (pending.size >= this.inFlight) await Promise.race(pending);
      this.written += size;
    }
    await Promise.all(pending);
  }
}

/**
 * Splits `total` into `parts` sizes that differ by at most one, the larger
 * ones first (5,000,000 into 50: 50 × 100,000). Every part gets at least one.
 */
export function evenSplit(total: number, parts: number): number[] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be a whole number ≥ 1, got ${parts}`);
  if (!Number.isInteger(total) || total < parts)
    throw new RangeError(`${total} samples cannot fill ${parts} parts`);
  const base = Math.floor(total / parts);
  const larger = total - base * parts;
  return Array.from({ length: parts }, (_, i) => (i < larger ? base + 1 : base));
}

/** The smooth signal's spikes and NaNs: at seqs divisible by these (~100 and ~200 per 100 M). */
const SPIKE_EVERY = 1_000_003;
const NAN_EVERY = 499_979;

/**
 * A long sensor-like signal for the series phase, a function of the seq:
 * t in seconds at 1 kHz ((seq − 1) / 1000), v a slow smooth wave (two
 * sines) rounded to 4 decimals, a spike (+250) every ~1 M samples and a NaN
 * every ~500 k. Cheap to generate and short as text (about 15 bytes a
 * sample), so 100 M samples build in about a minute.
 */
export function smoothChunk(first: number, count: number): SampleChunk {
  const t = new Array<number>(count);
  const v = new Array<WireValue>(count);
  for (let i = 0; i < count; i++) {
    const seq = first + i;
    t[i] = (seq - 1) / 1000;
    if (seq % NAN_EVERY === 0) {
      v[i] = encodeNumber(NaN);
      continue;
    }
    const wave = 50 * Math.sin(seq * 1e-6) + 3 * Math.sin(seq * 3e-4);
    v[i] = Math.round((seq % SPIKE_EVERY === 0 ? wave + 250 : wave) * 1e4) / 1e4;
  }
  return { first, t, v };
}
