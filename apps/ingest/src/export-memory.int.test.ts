import { encodePieces, ColdStore, type ChunkEntry, type PieceEntry } from '@runstream/cold-store';
import type { RunManifest } from '@runstream/domain';
import { startRedis, startS3Server, useFixture } from '@runstream/testkit';
import { readFileSync } from 'node:fs';
import { READ_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// A whole variable of 20 M samples exported as CSV by the real ingest process
// (main.ts, as deployed), while its memory is watched: the export streams,
// so the process's resident memory stays flat however long the variable.

const SAMPLES = 20_000_000;
const CHUNK = 10_000;
const RUN = 'export-20m';

const backends = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  const cold = new ColdStore(s3.connection);
  return {
    redis,
    s3,
    cold,
    stop: async () => {
      cold.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
});

/** Chunk `k` of the variable: t = seq / 100, v = seq % 1000 - 0.5 (so every row is distinct). */
function chunk(k: number): ChunkEntry {
  const first = k * CHUNK + 1;
  let t = '';
  let v = '';
  for (let seq = first; seq < first + CHUNK; seq++) {
    t += `${seq === first ? '' : ','}${seq / 100}`;
    v += `${seq === first ? '' : ','}${(seq % 1000) - 0.5}`;
  }
  return { text: `{"s":${first},"t":[${t}],"v":[${v}]}`, first, count: CHUNK, firstT: first / 100 };
}

/** A completed run holding SAMPLES samples in one merged object with its piece index, in S3 alone. */
async function putCompletedRun(cold: ColdStore): Promise<void> {
  const pieces: PieceEntry[] = [];
  let offset = 0;
  const members = async function* (): AsyncGenerator<Uint8Array> {
    for (let k = 0; k < SAMPLES / CHUNK; k += 50) {
      const encoded = await encodePieces(Array.from({ length: 50 }, (_, i) => chunk(k + i)));
      for (const p of encoded.pieces) pieces.push({ ...p, offset: p.offset + offset });
      offset += encoded.body.length;
      yield encoded.body;
    }
  };
  const merged = await cold.putMerged(RUN, 'x', members(), SAMPLES);
  await cold.putIndex(merged.key, {
    first: 1,
    last: SAMPLES,
    dataBytes: merged.size,
    pieces,
    levels: [],
  });
  const at = new Date().toISOString();
  const manifest: RunManifest = {
    version: 1,
    run: {
      id: RUN,
      status: 'completed',
      createdAt: at,
      completedAt: at,
      reason: 'requested',
      samples: SAMPLES,
      meta: {},
    },
    variables: [
      {
        name: 'x',
        count: SAMPLES,
        lastT: SAMPLES / 100,
        lastV: (SAMPLES % 1000) - 0.5,
        object: merged.key,
        bytes: merged.size,
      },
    ],
    writtenAt: at,
  };
  await cold.putManifest(manifest);
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('CSV export', () => {
  it('streams 20 M samples with the ingest process memory flat', async () => {
    await putCompletedRun(backends.cold);
    const ingest = await spawnIngest(backends.redis.url, backends.s3.connection);
    try {
      const pid = ingest.child.pid as number;
      const res = await fetch(`${ingest.baseUrl}/v1/runs/${RUN}/samples.csv?variable=x`, {
        headers: { authorization: `Bearer ${READ_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const before = rssBytes(pid);
      let peak = before;
      let bytes = 0;
      // RSS against how far the answer has come: flat means no growth with length.
      const timeline: { bytes: number; rss: number }[] = [];
      const watch = setInterval(() => {
        const rss = rssBytes(pid);
        peak = Math.max(peak, rss);
        timeline.push({ bytes, rss });
      }, 50);
      let rows = 0;
      let tail = '';
      let last = '';
      const decoder = new TextDecoder();
      try {
        for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += part.length;
          const text = tail + decoder.decode(part, { stream: true });
          const lines = text.split('\r\n');
          tail = lines.pop() ?? '';
          rows += lines.length;
          last = lines.at(-1) ?? last;
        }
      } finally {
        clearInterval(watch);
      }
      const peakOf = (half: (b: number) => boolean): number =>
        Math.max(0, ...timeline.filter((p) => half(p.bytes)).map((p) => p.rss));
      const firstHalf = peakOf((b) => b < bytes / 2);
      const secondHalf = peakOf((b) => b >= bytes / 2);
      console.info(
        `export of ${SAMPLES} samples: ${(bytes / 1e6).toFixed(0)} MB of CSV, ingest RSS ${(before / 1e6).toFixed(0)} MB → peak ${(firstHalf / 1e6).toFixed(0)} MB in the first half, ${(secondHalf / 1e6).toFixed(0)} MB in the second`,
      );
      expect(tail).toBe('');
      expect(rows).toBe(SAMPLES + 1); // the header, then one row per sample
      expect(last).toBe(`${SAMPLES},${SAMPLES / 100},${(SAMPLES % 1000) - 0.5}`);
      // The answer is some 500 MB; a process that held it would grow by as much.
      expect(bytes).toBeGreaterThan(400 * 1024 * 1024);
      // Flat: the second half of the answer needs no more memory than the first…
      expect(secondHalf).toBeLessThan(firstHalf + 64 * 1024 * 1024);
      // …and the whole stays far below what holding the answer would take.
      expect(peak - before).toBeLessThan(256 * 1024 * 1024);
    } finally {
      await ingest.kill();
    }
  }, 600_000);
});
