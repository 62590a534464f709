import { memoryLogger, waitFor } from '@runstream/testkit';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenFileError } from './token-file';
import { TokenFileWatcher, type TokenFileReloadFailure } from './token-file-watcher';
import { grantOf, type TokenGrant } from './token-table';

const entry = (token: string, project: string): TokenGrant =>
  grantOf(token, { project, access: 'read' });
const fileOf = (...grants: TokenGrant[]): string => JSON.stringify({ tokens: grants });

describe('TokenFileWatcher', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokens-'));
    path = join(dir, 'tokens.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A watcher of `path` whose every load is recorded; polled by hand (poll()) unless started. */
  function watch(intervalMs = 60_000): {
    loads: TokenGrant[][];
    watcher: TokenFileWatcher;
    lines: { msg?: string }[];
    failures: TokenFileReloadFailure[];
  } {
    const { logger, lines } = memoryLogger('info');
    const loads: TokenGrant[][] = [];
    const failures: TokenFileReloadFailure[] = [];
    const watcher = new TokenFileWatcher({
      path,
      intervalMs,
      logger,
      onLoad: (g) => loads.push(g),
      onReloadFailure: (reason) => failures.push(reason),
    });
    return { loads, watcher, lines, failures };
  }

  it('refuses to start on a bad or missing file', () => {
    expect(() => watch()).toThrow(/ENOENT/);
    writeFileSync(path, '{"tokens": [{"token": "x"}]}');
    expect(() => watch()).toThrow(TokenFileError);
  });

  it('loads the file at start, and again only when it changed', async () => {
    writeFileSync(path, fileOf(entry('a-0123456789abcdef', 'acme')));
    const { loads, watcher } = watch();
    expect(loads).toEqual([[entry('a-0123456789abcdef', 'acme')]]);
    await watcher.poll();
    expect(loads).toHaveLength(1);

    writeFileSync(path, fileOf(entry('b-0123456789abcdef', 'globex'), entry('c-0123456789', 'x')));
    await watcher.poll();
    expect(loads).toHaveLength(2);
    expect(loads[1]?.map((g) => g.project)).toEqual(['globex', 'x']);
  });

  it('follows a file replaced by a rename, as editors and config managers do', async () => {
    writeFileSync(path, fileOf(entry('a-0123456789abcdef', 'acme')));
    const { loads, watcher } = watch();
    writeFileSync(`${path}.new`, fileOf(entry('a-0123456789abcdef', 'other')));
    renameSync(`${path}.new`, path);
    await watcher.poll();
    expect(loads.at(-1)?.[0]?.project).toBe('other');
  });

  it('keeps the previous tokens when the file turns bad or goes, logging an error once', async () => {
    writeFileSync(path, fileOf(entry('a-0123456789abcdef', 'acme')));
    const { loads, watcher, lines, failures } = watch();
    const errors = () =>
      lines.filter((l) => l.msg?.startsWith('tokens file ') && /not|gone/.test(l.msg));

    writeFileSync(path, '{"tokens": [');
    await watcher.poll();
    await watcher.poll();
    expect(loads).toHaveLength(1);
    expect(errors()).toHaveLength(1);

    rmSync(path);
    await watcher.poll();
    await watcher.poll();
    expect(loads).toHaveLength(1);
    expect(errors()).toHaveLength(2);
    // Each failure counted once, as it is logged once.
    expect(failures).toEqual(['invalid', 'missing']);

    writeFileSync(path, fileOf(entry('b-0123456789abcdef', 'back')));
    await watcher.poll();
    expect(loads.at(-1)?.[0]?.project).toBe('back');
  });

  it('polls on its own once started', async () => {
    writeFileSync(path, fileOf(entry('a-0123456789abcdef', 'acme')));
    const { loads, watcher } = watch(100);
    watcher.start();
    try {
      writeFileSync(path, fileOf(entry('a-0123456789abcdef', 'polled')));
      await waitFor(
        'the reload',
        () => loads.at(-1)?.[0]?.project === 'polled' || undefined,
        5_000,
      );
    } finally {
      watcher.close();
    }
  });
});
