import { gunzipSync } from 'node:zlib';
import { chunkTextHead, type ColdStore, type DataObject } from '@runstream/cold-store';

/**
 * Undefined when a data object's index lays its pieces end to end over
 * exactly its bytes, and every piece, read by its own ranged GET, holds the
 * chunks from its first seq up to the next piece's (the last up to the
 * object's last seq); else what is wrong first.
 */
export async function pieceTableProblem(
  cold: ColdStore,
  object: DataObject,
): Promise<string | undefined> {
  const index = await cold.objects.index(object);
  if (index === undefined) return `${object.key}: no index`;
  if (index.first !== object.first || index.last !== object.last)
    return `index of ${index.first}..${index.last}, object of ${object.first}..${object.last}`;
  let offset = 0;
  let next = object.first;
  for (const [i, piece] of index.pieces.entries()) {
    if (piece.offset !== offset) return `piece ${i} at byte ${piece.offset}, expected ${offset}`;
    if (piece.first !== next) return `piece ${i} starts at seq ${piece.first}, expected ${next}`;
    const bytes = await cold.readRange(object.key, piece.offset, piece.offset + piece.length - 1);
    const lines = gunzipSync(bytes)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    for (const [j, line] of lines.entries()) {
      const head = chunkTextHead(line, object.key);
      if (head.first !== next) return `piece ${i}: a chunk at seq ${head.first}, expected ${next}`;
      if (j === 0 && head.firstT !== piece.firstT)
        return `piece ${i}: firstT ${piece.firstT}, its first chunk says ${head.firstT}`;
      next += head.count;
    }
    offset += piece.length;
  }
  if (offset !== object.size) return `pieces end at byte ${offset}, the object at ${object.size}`;
  if (next !== object.last + 1) return `pieces end at seq ${next - 1}, not ${object.last}`;
  return undefined;
}
