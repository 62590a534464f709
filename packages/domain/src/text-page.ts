import { joinChunkTexts, sliceChunkText, splitChunkText, type ChunkText } from './chunk-text';

/**
 * A stored chunk text as readers pass it on: the text as the tiers keep it
 * (`{"s":…,"t":[…],"v":[…]}`), its first seq and sample count (read from its
 * head, without parsing it).
 */
export interface StoredChunkText {
  text: string;
  first: number;
  count: number;
}

/** A page of history as chunk text: the samples `chunk.first ..`, where to go on, and whether more follows. */
export interface TextPage {
  chunk: ChunkText;
  nextSeq: number;
  /** True when a sample follows the page within the range (it was cut by `limit`). */
  more: boolean;
}

/**
 * One page from seq-ordered stored chunk texts (the first may start before
 * `fromSeq`): at most `limit` samples from `fromSeq`, none after `toSeq`.
 * Only the chunks cut by the page's ends are scanned; the rest is joined as
 * stored. Pulling stops as soon as `more` is known. A gap ends the page.
 */
export async function collectTextPage(
  texts: AsyncIterable<StoredChunkText>,
  fromSeq: number,
  limit: number,
  toSeq = Number.MAX_SAFE_INTEGER,
): Promise<TextPage> {
  const last = Math.min(toSeq, fromSeq + limit - 1);
  const parts: ChunkText[] = [];
  let next = fromSeq;
  let more = false;
  for await (const stored of texts) {
    if (stored.first + stored.count <= next) continue;
    if (stored.first > next) break;
    if (next > last) {
      more = next <= toSeq;
      break;
    }
    const chunk = splitChunkText(stored.text);
    const end = Math.min(chunk.count, last - chunk.first + 1);
    parts.push(sliceChunkText(chunk, next - chunk.first, end));
    next = chunk.first + end;
    if (end < chunk.count) {
      more = next <= toSeq;
      break;
    }
  }
  return { chunk: joinChunkTexts(parts, fromSeq), nextSeq: next, more };
}

/**
 * The samples from `fromSeq` to `toSeq` as chunk texts of at most
 * `maxSamples` each (snapshot messages): stored chunks pass whole where they
 * fit, larger ones are cut. Stops at a gap.
 */
export async function* boundedChunkTexts(
  texts: AsyncIterable<StoredChunkText>,
  fromSeq: number,
  maxSamples: number,
  toSeq = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<ChunkText> {
  let next = fromSeq;
  for await (const stored of texts) {
    if (stored.first + stored.count <= next) continue;
    if (stored.first > next || next > toSeq) return;
    const chunk = splitChunkText(stored.text);
    const end = Math.min(chunk.count, toSeq - chunk.first + 1);
    for (let from = next - chunk.first; from < end; from += maxSamples) {
      yield sliceChunkText(chunk, from, Math.min(end, from + maxSamples));
    }
    next = chunk.first + end;
  }
}
