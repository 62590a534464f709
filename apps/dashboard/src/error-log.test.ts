import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { warnOnErrors } from './error-log';

describe('warnOnErrors', () => {
  it('logs the first error, then at most one per interval with the count left out', () => {
    const lines: unknown[] = [];
    const logger = { warn: (obj: unknown) => lines.push(obj) } as unknown as Logger;
    const source = new EventEmitter();
    let now = 0;
    warnOnErrors(source, 'redis', logger, 1000, () => now);

    source.emit('error', new Error('a'));
    now = 500;
    source.emit('error', new Error('b'));
    source.emit('error', new Error('c'));
    now = 1000;
    source.emit('error', new Error('d'));

    expect(lines).toEqual([
      { err: new Error('a'), source: 'redis', suppressed: 0 },
      { err: new Error('d'), source: 'redis', suppressed: 2 },
    ]);
  });
});
