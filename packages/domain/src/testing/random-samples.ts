import type { SampleChunk } from '../http-api';
import type { WireNumber, WireValue } from '../sample-value';

/**
 * Seeded random data for property-style tests: the same seed gives the same
 * data, so a failure names a seed that reproduces it.
 */

/** mulberry32: a small, fast PRNG with a 32-bit state; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export const randomInt = (rand: Random, lo: number, hi: number): number =>
  lo + Math.floor(rand() * (hi - lo + 1));

const pick = <T>(rand: Random, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** Values that tie often, with -0 next to 0, and spikes. */
const PLAIN = [0, 1, 2, -1, 0.5, 3, 3, 1e300, -1e300, 5e-324, -2.5];
const TAGS: WireNumber[] = [
  { $num: 'NaN' },
  { $num: 'Infinity' },
  { $num: '-Infinity' },
  { $num: '-0' },
];
const STRINGS = ['', 'NaN', 'a,b]["\\', 'ünï ✓ 变量', '{"$num":"NaN"}', '\u2028'];

function randomNumber(rand: Random): WireNumber {
  const r = rand();
  if (r < 0.15) return pick(rand, TAGS);
  if (r < 0.45) return pick(rand, PLAIN);
  const x = Math.round((rand() - 0.5) * 2000) / 8;
  return x === 0 ? 0 : x; // a literal -0 is never a wire value: it travels tagged
}

/** What the samples of a data set mostly are. */
export type SampleMix = 'scalars' | 'arrays' | 'mixed';

export function randomValue(rand: Random, mix: SampleMix): WireValue {
  const r = rand();
  if (mix === 'scalars') return r < 0.97 ? randomNumber(rand) : r < 0.99 ? null : 'x';
  if (mix === 'arrays' && r < 0.9) {
    // Mostly 0..6 elements, sometimes wider than SERIES_MAX_COMPONENTS.
    const length = rand() < 0.1 ? randomInt(rand, 14, 20) : randomInt(rand, 0, 6);
    return Array.from({ length }, () => randomNumber(rand));
  }
  if (r < 0.35) return randomNumber(rand);
  if (r < 0.6) return Array.from({ length: randomInt(rand, 0, 18) }, () => randomNumber(rand));
  if (r < 0.75) return pick(rand, STRINGS);
  if (r < 0.88) return rand() < 0.5;
  return null;
}

/** `count` samples from seq `first`, t mostly increasing (sometimes back, sometimes repeated). */
export function randomSamples(
  rand: Random,
  first: number,
  count: number,
  mix: SampleMix = 'mixed',
): SampleChunk {
  const t: number[] = [];
  const v: WireValue[] = [];
  let now = rand() * 100;
  for (let i = 0; i < count; i++) {
    const r = rand();
    now += r < 0.05 ? -rand() : r < 0.1 ? 0 : rand() / 4;
    t.push(now);
    v.push(randomValue(rand, mix));
  }
  return { first, t, v };
}

/** The samples of `data` in consecutive chunks of 1..maxLength samples. */
export function randomChunks(rand: Random, data: SampleChunk, maxLength: number): SampleChunk[] {
  const out: SampleChunk[] = [];
  for (let i = 0; i < data.t.length;) {
    const n = Math.min(data.t.length - i, randomInt(rand, 1, maxLength));
    out.push({ first: data.first + i, t: data.t.slice(i, i + n), v: data.v.slice(i, i + n) });
    i += n;
  }
  return out;
}
