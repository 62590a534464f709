import { CSV_HEADER, csvRows, exportQuerySchema } from '@runstream/domain';
import { parsedChunks, type ChunkTextSource } from '@runstream/tiering';
import { Router, type Response } from 'express';
import { once } from 'node:events';
import { addVariableRead, type VariableReadDeps } from './variable-read';

/**
 * GET …/samples.csv: a whole variable (or a range of it) as CSV, streamed in
 * constant memory: one stored chunk at a time, waiting for the response to
 * drain before reading on, and stopping when the client goes away.
 */
export function exportRouter(deps: VariableReadDeps & { history: ChunkTextSource }): Router {
  const router = Router();
  addVariableRead(router, deps, 'samples.csv', exportQuerySchema, async (read, _req, res) => {
    const { run, variable } = read;
    const fromSeq = read.fromSeq ?? 1;
    const toSeq = read.toSeq ?? read.stats.count;
    // Past the read cache: an export passes over the whole variable once.
    const chunks = parsedChunks(deps.history, run, variable, fromSeq, { cache: false });
    try {
      // The first chunk before the status: what cannot be read at all (damaged
      // stored data) is answered as an error, not as a 200 cut short.
      let next = await chunks.next();
      res.status(200);
      res.type('text/csv; charset=utf-8');
      res.attachment(`${run}-${encodeURIComponent(variable)}.csv`);
      if (!(await write(res, CSV_HEADER))) return;
      for (; next.done !== true; next = await chunks.next()) {
        const chunk = next.value;
        if (chunk.first > toSeq) break;
        const rows = csvRows(chunk, 0, Math.min(chunk.t.length, toSeq - chunk.first + 1));
        if (!(await write(res, rows))) return;
      }
      res.end();
    } finally {
      await chunks.return(undefined);
    }
  });
  return router;
}

/** Writes `text`, waiting while the socket's buffer is full; false once the client is gone. */
async function write(res: Response, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(text)) {
    await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  return !res.destroyed;
}
