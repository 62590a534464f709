import { encodeBinaryBody, encodeNumber, type WireValue } from '@runstream/domain';
import { seededRandom } from '@runstream/demo/seeded-random';

/** What one ingest request carries: columnar, `variables` × `samplesPerVariable` samples. */
export interface BatchShape {
  variables: number;
  samplesPerVariable: number;
}

/** The batch the figures are quoted for: 10 variables × 100 samples. */
export const BENCH_BATCH: BatchShape = { variables: 10, samplesPerVariable: 100 };

/** The shapes whose ingest / ceiling ratio issue 13 quotes: BENCH_BATCH first, then large and small. */
export const RATIO_SHAPES: readonly BatchShape[] = [
  BENCH_BATCH,
  { variables: 10, samplesPerVariable: 1000 },
  { variables: 1, samplesPerVariable: 10 },
];

export const shapeLabel = (shape: BatchShape): string =>
  `${shape.variables} × ${shape.samplesPerVariable}`;

/** About one value in this many is NaN: model output has them, and they travel tagged. */
const NAN_ONE_IN = 150;

/** Model time step; accumulated by addition, as a solver does, so t has untidy decimals. */
const DT = 0.002;

/**
 * One pre-serialised batch, cut just after the first t of the first variable,
 * so a send timestamp can replace that number without serialising again.
 */
interface BatchTemplate {
  /** `{"<first variable>":{"t":[` */
  head: string;
  /** The first t as serialised. */
  firstT: string;
  /** Everything after the first t, up to and including the closing brace of the body. */
  tail: string;
  /** The same batch as a binary body (docs/protocol.md), batch number 0: `binaryBody` patches it. */
  binary: Buffer;
}

/** Where a binary body's batch number (u64) starts: after magic, version, flags and the producer. */
const binaryBatchOffset = (producer: string): number => 4 + 1 + 1 + 1 + Buffer.byteLength(producer);

export function variableNames(shape: BatchShape): string[] {
  return Array.from({ length: shape.variables }, (_, i) => `plant.y[${i}]`);
}

function buildTemplate(
  shape: BatchShape,
  index: number,
  random: () => number,
  producer: string,
): BatchTemplate {
  const names = variableNames(shape);
  const variables: Record<string, { t: number[]; v: WireValue[] }> = {};
  let t0 = 0;
  for (let k = 0; k < index * shape.samplesPerVariable; k++) t0 += DT;
  names.forEach((name, i) => {
    // Amplitudes from 1e-2 to 1e2, so values have full, varied mantissas and exponents.
    const amplitude = 10 ** ((i % 5) - 2);
    const frequency = 0.5 + i;
    const phase = random() * 2 * Math.PI;
    const t: number[] = [];
    const v: WireValue[] = [];
    let time = t0;
    for (let j = 0; j < shape.samplesPerVariable; j++) {
      t.push(time);
      const noise = (random() - 0.5) * amplitude * 0.02;
      const value =
        random() * NAN_ONE_IN < 1
          ? NaN
          : amplitude * Math.sin(2 * Math.PI * frequency * time + phase) + noise;
      v.push(encodeNumber(value));
      time += DT;
    }
    variables[name] = { t, v };
  });

  const json = JSON.stringify(variables);
  const first = names[0];
  const firstSeries = first === undefined ? undefined : variables[first];
  if (first === undefined || firstSeries === undefined)
    throw new Error('a batch needs at least one variable');
  const head = `{${JSON.stringify(first)}:{"t":[`;
  const firstT = JSON.stringify(firstSeries.t[0]);
  // Guards the cut: if serialisation ever changed shape, stamping would corrupt bodies silently.
  if (!json.startsWith(head + firstT))
    throw new Error('unexpected serialisation of a batch template');
  const binary = Buffer.from(encodeBinaryBody({ producer, batch: 0, variables }));
  return { head, firstT, tail: json.slice(head.length + firstT.length) + '}', binary };
}

/**
 * A pool of realistic batches, serialised once up front so that building a
 * request costs a few string concatenations, not a JSON.stringify. Every body
 * handed out has its own (producer, batch), so ingest really writes it rather
 * than acknowledging a duplicate.
 */
export class BodyPool {
  private readonly templates: BatchTemplate[];
  private readonly producer: string;
  private nextBatch = 0;
  private nextTemplate = 0;
  readonly samplesPerBody: number;
  /** The variable whose first t carries the send time when `next` is given one. */
  readonly stampedVariable: string;

  constructor(
    readonly shape: BatchShape = BENCH_BATCH,
    options: { size?: number; seed?: number; producer?: string } = {},
  ) {
    const random = seededRandom(options.seed ?? 0x5eed);
    this.producer = options.producer ?? `bench-${process.pid}`;
    this.templates = Array.from({ length: options.size ?? 64 }, (_, i) =>
      buildTemplate(shape, i, random, this.producer),
    );
    this.samplesPerBody = shape.variables * shape.samplesPerVariable;
    this.stampedVariable = variableNames(shape)[0] ?? '';
  }

  /**
   * The next body as `application/vnd.runstream.columnar`: the same batches
   * as `next`, and batch numbers from the same counter. A fresh copy of the
   * template with its batch number written in, so bodies in flight never change.
   */
  binaryBody(): Buffer {
    const template = this.templates[this.nextTemplate] as BatchTemplate;
    this.nextTemplate = (this.nextTemplate + 1) % this.templates.length;
    const body = Buffer.from(template.binary);
    body.writeBigUInt64LE(BigInt(this.nextBatch++), binaryBatchOffset(this.producer));
    return body;
  }

  /**
   * The next body. With `stampMs` (a finite number of milliseconds) that number
   * replaces the first t of the stamped variable, so the subscriber can tell
   * how long the sample took to reach it.
   */
  next(stampMs?: number): string {
    const template = this.templates[this.nextTemplate] as BatchTemplate;
    this.nextTemplate = (this.nextTemplate + 1) % this.templates.length;
    const batch = this.nextBatch++;
    const firstT = stampMs === undefined ? template.firstT : JSON.stringify(stampMs);
    return `{"producer":"${this.producer}","batch":${batch},"variables":${template.head}${firstT}${template.tail}`;
  }
}
