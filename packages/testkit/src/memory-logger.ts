import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/** A pino logger whose lines a test reads (`lines`, parsed, in order), printed nowhere. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n'))
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
