import {
  chunkTextHead,
  ObjectMissingError,
  parseChunkText,
  SegmentFormatError,
  type ColdStore,
  type DataObject,
} from '@runstream/cold-store';
import { isFormatError } from './damaged-data';

/**
 * The keys of those `objects` whose bytes are not what their writer produces:
 * each is read whole, past the read cache, every chunk parsed, its seqs
 * checked to run from the object's first to its last. An object that reads
 * is left out; so is one gone meanwhile (moved, not damaged). Any other
 * failure (S3 away) throws: it says nothing of the bytes.
 */
export async function damagedObjects(
  cold: ColdStore,
  objects: readonly DataObject[],
): Promise<string[]> {
  const damaged: string[] = [];
  for (const object of objects) {
    try {
      await readWhole(cold, object);
    } catch (err) {
      if (isFormatError(err)) damaged.push(object.key);
      else if (!(err instanceof ObjectMissingError)) throw err;
    }
  }
  return damaged;
}

async function readWhole(cold: ColdStore, object: DataObject): Promise<void> {
  let next = object.first;
  let n = 0;
  for await (const line of cold.objects.linesFrom(object, object.first, false)) {
    const head = chunkTextHead(line, object.key);
    const chunk = parseChunkText(line, `${object.key}: chunk ${++n}`);
    if (head.first > next || chunk.t.length !== head.count)
      throw new SegmentFormatError(`${object.key}: seq ${next} missing`);
    next = Math.max(next, head.first + head.count);
  }
  if (Number.isFinite(object.last) && next !== object.last + 1)
    throw new SegmentFormatError(`${object.key}: ends at seq ${next - 1}, not ${object.last}`);
}
