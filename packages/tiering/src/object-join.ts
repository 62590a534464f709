import { Readable } from 'node:stream';
import {
  chunkTextHead,
  decodeIndexBlock,
  decodeSegmentLines,
  encodePieces,
  formatChunk,
  hasIndex,
  INDEX_HEAD_BYTES,
  ObjectMissingError,
  parseChunkText,
  parseIndexHead,
  PIECE_MAX_SAMPLES,
  SegmentFormatError,
  type ChunkEntry,
  type ChunkHead,
  type ColdStore,
  type DataObject,
  type IndexLevelInput,
  type ObjectIndex,
  type ObjectIndexInput,
  type PieceEntry,
} from '@runstream/cold-store';
import { cellOf, pyramidShifts, trimChunk, type SampleChunk } from '@runstream/domain';
import { mapWithConcurrency } from './bounded-concurrency';
import { joinPyramids, PyramidBuilder } from './pyramid';

/**
 * One data object made of others joined in seq order — a compaction's
 * output, a merged object — and its index, computed while the bytes
 * stream and written before the upload completes (a data object is never
 * visible without its index).
 *
 * The output is the inputs' stored bytes joined as they are: gzip members
 * stay gzip members, so nothing is decompressed and compressed again, and
 * its piece table is the inputs' piece tables, offsets shifted by the bytes
 * before them (sizes come from the listing). An input without an index is
 * either small (one piece: its whole object) or written before pieces
 * existed (legacy): a legacy input, and an input whose first seqs are
 * already in the input before it (an overlap, cut off), are decoded and
 * encoded again as pieces. Its pyramid is the inputs' pyramids joined
 * (joinPyramids); an input that has none (small, legacy, or indexed without
 * levels) is decoded and its pyramid built.
 *
 * A re-encoded input is encoded twice — once to plan its piece table, once
 * on the way up — rather than held in memory: gzip is deterministic, and
 * the second pass checks every piece against the plan.
 */

/**
 * An input's bytes are not what its listing said (written or rewritten
 * since): the join stops, its upload aborted. The next one lists again.
 */
export class ObjectChangedError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = new.target.name;
  }
}

/** An input: `object`'s seqs from `from` (default: its first) to its last. */
export interface JoinInput {
  object: DataObject;
  /** Seqs before it are in the input before; they are cut off. */
  from?: number;
}

/** How one input goes into the output. */
export interface JoinPart {
  object: DataObject;
  from: number;
  /** `copy`: its stored bytes as they are; `reencode`: decoded from `from` and encoded as pieces. */
  how: 'copy' | 'reencode';
  /** Its pieces, offsets within the part (empty when the output has no index). */
  pieces: PieceEntry[];
  /** Its bytes in the output (0 when unknown: a re-encoded part of an output without index). */
  bytes: number;
}

export interface JoinPlan {
  first: number;
  last: number;
  /** Whether the output gets an index (more than one piece's worth of seqs). */
  indexed: boolean;
  /**
   * Each input's part, planned in input order, a few at once: the bytes of
   * the first parts stream while the later ones are still being planned.
   */
  parts: Promise<JoinPart>[];
  /** The output's index, once every part is planned; undefined when it gets none. */
  index: Promise<ObjectIndexInput | undefined>;
}

/** Inputs whose indexes and pyramids are read at once while planning. */
const PLAN_CONCURRENCY = 8;

/**
 * How `inputs` (consecutive: each input's `from` is the seq after the last
 * of the one before) join into one object of seqs first..last, and its
 * index: started now, settled as it goes (see JoinPlan). Reads the inputs'
 * indexes and pyramid blocks, and decodes the inputs that need it (see
 * above). A part that cannot be planned rejects it and every part after it.
 */
export function planJoin(cold: ColdStore, inputs: readonly JoinInput[]): JoinPlan {
  const head = inputs[0];
  const tail = inputs[inputs.length - 1];
  if (head === undefined || tail === undefined) throw new RangeError('nothing to join');
  let next = head.from ?? head.object.first;
  for (const { object, from = object.first } of inputs) {
    if (from !== next || from < object.first || from > object.last)
      throw new RangeError(`${object.key}: joined from seq ${from} where seq ${next} is due`);
    next = object.last + 1;
  }
  const first = head.from ?? head.object.first;
  const last = tail.object.last;
  const indexed = hasIndex({ first, last });

  const settle: { resolve(p: PlannedPart): void; reject(err: unknown): void }[] = [];
  const planned = inputs.map(
    () => new Promise<PlannedPart>((resolve, reject) => settle.push({ resolve, reject })),
  );
  mapWithConcurrency(inputs, PLAN_CONCURRENCY, async (input, i) => {
    settle[i]?.resolve(indexed ? await planPart(cold, input) : unindexedPart(input));
  }).catch((err: unknown) => {
    // The parts not planned yet would otherwise never settle (a settled one stays as it is).
    for (const s of settle) s.reject(err);
  });
  const parts = planned.map((p) => p.then((x) => x.part));
  const index = indexed
    ? Promise.all(planned).then((all) => indexOf(all, first, last))
    : Promise.resolve(undefined);
  // Each is awaited by the stream or the upload; one left behind by an aborted upload is not an unhandled rejection.
  for (const p of [...parts, index]) p.catch(() => undefined);
  return { first, last, indexed, parts, index };
}

function indexOf(planned: readonly PlannedPart[], first: number, last: number): ObjectIndexInput {
  const pieces: PieceEntry[] = [];
  let offset = 0;
  for (const { part } of planned) {
    for (const p of part.pieces) pieces.push({ ...p, offset: offset + p.offset });
    offset += part.bytes;
  }
  const levels = joinPyramids(
    planned.map((p) => p.levels),
    first,
    last,
  );
  return { first, last, dataBytes: offset, pieces, levels };
}

/**
 * The gzip members of the planned output, in order: copied parts as the
 * bytes they are stored as (their size checked against the listing: an
 * object rewritten since would not match the piece table), re-encoded parts
 * encoded again (each piece checked against the plan). `beforePart` is
 * called before each part (crash tests stop a job there).
 */
export async function* joinedMembers(
  cold: ColdStore,
  plan: JoinPlan,
  beforePart?: (index: number) => Promise<void> | void,
): AsyncGenerator<Uint8Array> {
  for (const [i, planned] of plan.parts.entries()) {
    await beforePart?.(i);
    const part = await planned;
    const { key } = part.object;
    if (part.how === 'copy') {
      let bytes = 0;
      for await (const block of cold.readObjectBytes(key)) {
        bytes += block.length;
        yield block;
      }
      if (bytes !== part.bytes)
        throw new ObjectChangedError(key, `${bytes} bytes where its listing said ${part.bytes}`);
      continue;
    }
    let k = 0;
    for await (const piece of reencodedPieces(cold, part.object, part.from)) {
      const expected = part.pieces[k++];
      if (plan.indexed && expected?.length !== piece.body.length)
        throw new Error(`${key}: piece ${k} encoded to other bytes than planned`);
      yield piece.body;
    }
    if (plan.indexed && k !== part.pieces.length)
      throw new Error(`${key}: ${k} pieces encoded where ${part.pieces.length} were planned`);
  }
}

interface PlannedPart {
  part: JoinPart;
  levels: IndexLevelInput[];
}

function unindexedPart({ object, from = object.first }: JoinInput): PlannedPart {
  const how = from === object.first ? 'copy' : 'reencode';
  return {
    part: { object, from, how, pieces: [], bytes: how === 'copy' ? object.size : 0 },
    levels: [],
  };
}

async function planPart(cold: ColdStore, input: JoinInput): Promise<PlannedPart> {
  const { object, from = object.first } = input;
  if (from === object.first) {
    if (!hasIndex(object)) return smallPart(cold, object);
    const whole = await wholeIndex(cold, object);
    if (whole !== undefined && tilesObject(whole.index, object)) {
      const levels = levelsComplete(whole.index, object)
        ? await whole.levels()
        : await pyramidFromSamples(cold, object);
      return { part: copyPart(object, whole.index.pieces), levels };
    }
  }
  return reencodedPart(cold, object, from);
}

/**
 * An object's index with every block, in one ranged GET for most (a join
 * reads them all: one request, where a reader asks block by block); a
 * second for a header or blocks past the first INDEX_HEAD_BYTES. Undefined
 * when it has none, or one of another object (its size differs).
 */
async function wholeIndex(
  cold: ColdStore,
  object: DataObject,
): Promise<{ index: ObjectIndex; levels(): Promise<IndexLevelInput[]> } | undefined> {
  const key = cold.keys.indexOf(object.key);
  let bytes: Buffer;
  try {
    bytes = await cold.readRange(key, 0, INDEX_HEAD_BYTES - 1);
  } catch (err) {
    if (err instanceof ObjectMissingError) return undefined;
    throw err;
  }
  let parsed = parseIndexHead(bytes, key);
  if ('needBytes' in parsed) {
    bytes = await cold.readRange(key, 0, parsed.needBytes - 1);
    parsed = parseIndexHead(bytes, key);
    if ('needBytes' in parsed)
      throw new SegmentFormatError(`${key}: header longer than the object`);
  }
  const { index } = parsed;
  if (index.dataBytes !== object.size) return undefined;
  const end = Math.max(0, ...index.levels.flatMap((l) => l.blocks.map((b) => b.offset + b.length)));
  if (bytes.length < end)
    bytes = Buffer.concat([bytes, await cold.readRange(key, bytes.length, end - 1)]);
  const all = bytes;
  const levels = (): Promise<IndexLevelInput[]> =>
    Promise.all(
      index.levels.map(async (level) => {
        const blocks = await Promise.all(
          level.blocks.map((b) =>
            decodeIndexBlock(all.subarray(b.offset, b.offset + b.length), key),
          ),
        );
        return {
          shift: level.shift,
          firstCell: level.blocks[0]?.firstCell ?? 0,
          records: blocks.flat(),
        };
      }),
    );
  return { index, levels };
}

function copyPart(object: DataObject, pieces: PieceEntry[]): JoinPart {
  return { object, from: object.first, how: 'copy', pieces, bytes: object.size };
}

/** A small object is one piece; its pyramid is built from its samples. */
async function smallPart(cold: ColdStore, object: DataObject): Promise<PlannedPart> {
  const { key } = object;
  // One byte more than listed: an object still being written shows it.
  const bytes = await cold.readRange(key, 0, object.size);
  if (bytes.length !== object.size)
    throw new ObjectChangedError(
      key,
      `${bytes.length} bytes where its listing said ${object.size}`,
    );
  const builder = new PyramidBuilder(object.first, object.last);
  let head: ChunkHead | undefined;
  let n = 0;
  for await (const line of decodeSegmentLines(Readable.from([bytes]), { label: key })) {
    head ??= chunkTextHead(line, key);
    builder.add(parseChunkText(line, `${key}: chunk ${++n}`));
  }
  if (head?.first !== object.first)
    throw new SegmentFormatError(`${key}: does not start at seq ${object.first}`);
  const piece: PieceEntry = {
    first: object.first,
    firstT: head.firstT,
    offset: 0,
    length: object.size,
  };
  return { part: copyPart(object, [piece]), levels: builder.build() };
}

/** Whether an index's pieces lie end to end over exactly the object's bytes, from its first seq. */
function tilesObject(index: ObjectIndex, object: DataObject): boolean {
  if (index.first !== object.first || index.last !== object.last) return false;
  if (index.pieces[0]?.first !== object.first) return false;
  let offset = 0;
  let seq = 0;
  for (const p of index.pieces) {
    if (p.offset !== offset || p.length <= 0 || p.first <= seq) return false;
    offset += p.length;
    seq = p.first;
  }
  return offset === object.size && seq <= object.last;
}

/** The levels an object's index holds, every block read (through the read cache). */
export async function storedLevels(
  cold: ColdStore,
  object: DataObject,
  index: ObjectIndex,
): Promise<IndexLevelInput[]> {
  return Promise.all(
    index.levels.map(async (level) => {
      const blocks = await Promise.all(level.blocks.map((b) => cold.objects.block(object, b)));
      return {
        shift: level.shift,
        firstCell: level.blocks[0]?.firstCell ?? 0,
        records: blocks.flat(),
      };
    }),
  );
}

/** Whether an index holds every level of its object's pyramid, each block after the one before. */
function levelsComplete(index: ObjectIndex, object: DataObject): boolean {
  const shifts = pyramidShifts(object.first, object.last);
  if (index.levels.length !== shifts.length) return false;
  return index.levels.every((level, i) => {
    if (level.shift !== shifts[i]) return false;
    let cell = cellOf(object.first, level.shift);
    for (const b of level.blocks) {
      if (b.firstCell !== cell || b.cells <= 0) return false;
      cell += b.cells;
    }
    return cell === cellOf(object.last, level.shift) + 1;
  });
}

/** The pyramid of an object built from its samples, read piece by piece. */
async function pyramidFromSamples(cold: ColdStore, object: DataObject): Promise<IndexLevelInput[]> {
  const builder = new PyramidBuilder(object.first, object.last);
  for await (const line of cold.objects.linesFrom(object, object.first))
    builder.add(parseChunkText(line, object.key));
  return builder.build();
}

/** Plans a re-encoded part: encodes it once for its piece lengths (the bytes are dropped) and pyramid. */
async function reencodedPart(
  cold: ColdStore,
  object: DataObject,
  from: number,
): Promise<PlannedPart> {
  const builder = new PyramidBuilder(from, object.last);
  const pieces: PieceEntry[] = [];
  let bytes = 0;
  for await (const piece of reencodedPieces(cold, object, from, (chunk) => builder.add(chunk))) {
    pieces.push({
      first: piece.first,
      firstT: piece.firstT,
      offset: bytes,
      length: piece.body.length,
    });
    bytes += piece.body.length;
  }
  return {
    part: { object, from, how: 'reencode', pieces, bytes },
    levels: builder.build(),
  };
}

/**
 * An object's chunks from `from` to its last seq, as new pieces (groups of
 * at most PIECE_MAX_SAMPLES samples, as encodePieces groups them), one at a
 * time. Chunk texts are kept as stored; only the chunk `from` cuts is parsed
 * and written again (and every chunk is parsed when `onChunk` wants them).
 */
async function* reencodedPieces(
  cold: ColdStore,
  object: DataObject,
  from: number,
  onChunk?: (chunk: SampleChunk) => void,
): AsyncGenerator<{ first: number; firstT: number; body: Buffer }> {
  const { key } = object;
  let next = from;
  let group: ChunkEntry[] = [];
  let samples = 0;
  const encode = async (): Promise<{ first: number; firstT: number; body: Buffer }> => {
    const { body, pieces } = await encodePieces(group);
    const [piece] = pieces;
    if (piece === undefined || pieces.length !== 1) throw new Error(`${key}: not one piece`);
    group = [];
    samples = 0;
    return { first: piece.first, firstT: piece.firstT, body };
  };
  for await (const line of cold.objects.linesFrom(object, from)) {
    const head = chunkTextHead(line, key);
    if (head.first + head.count <= next) continue;
    if (head.first > next) throw new SegmentFormatError(`${key}: seq ${next} missing`);
    if (head.first + head.count - 1 > object.last)
      throw new SegmentFormatError(`${key}: holds seqs after ${object.last}`);
    let entry: ChunkEntry = { text: line, ...head };
    if (head.first < next || onChunk !== undefined) {
      const chunk = trimChunk(parseChunkText(line, key), next) as SampleChunk;
      onChunk?.(chunk);
      if (chunk.first !== head.first) {
        const text = formatChunk(chunk);
        entry = { text, ...chunkTextHead(text, key) };
      }
    }
    if (group.length > 0 && samples + entry.count > PIECE_MAX_SAMPLES) yield await encode();
    group.push(entry);
    samples += entry.count;
    next = entry.first + entry.count;
  }
  if (group.length > 0) yield await encode();
  if (next !== object.last + 1)
    throw new SegmentFormatError(`${key}: ends at seq ${next - 1}, not ${object.last}`);
}
