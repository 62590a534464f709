import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parseTokenFile } from './token-file';
import type { TokenGrant } from './token-table';

export interface TokenFileWatcherOptions {
  path: string;
  /** How often the file's stat is compared with the last one read. */
  intervalMs: number;
  logger: Logger;
  /** Called with every good version of the file, the first one included. */
  onLoad(grants: TokenGrant[]): void;
  /**
   * Called once per failed reload (the previous tokens stay in force): `invalid` for a
   * version that does not read or parse, `missing` when the file is gone.
   */
  onReloadFailure?(reason: TokenFileReloadFailure): void;
}

export type TokenFileReloadFailure = 'invalid' | 'missing';

/**
 * Keeps the tokens file's grants current without a restart. It polls the
 * file's stat rather than using fs.watch: editors and config managers replace
 * a file by renaming a new one over it, which an inotify watch on the old
 * inode never sees, while a stat follows the path. A version that does not
 * parse is logged and the previous good one stays in force; a missing file
 * likewise. At start the file must be good: a bad one stops the app.
 */
export class TokenFileWatcher {
  private version: string;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly options: TokenFileWatcherOptions) {
    const stats = statSync(options.path);
    options.onLoad(parseTokenFile(readFileSync(options.path, 'utf8'), options.path));
    this.version = versionOf(stats);
    this.options.logger.info({ path: options.path }, 'tokens file loaded');
  }

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs);
    // The watch alone never keeps the process alive.
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: reloads when the file's stat changed since the version in force. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const { path, logger } = this.options;
    try {
      const stats = await stat(path).catch((err: unknown) => {
        if (this.version !== MISSING) {
          logger.error({ err, path }, 'tokens file gone: the previous tokens stay in force');
          this.options.onReloadFailure?.('missing');
        }
        this.version = MISSING;
      });
      if (stats === undefined) return;
      const version = versionOf(stats);
      if (version === this.version) return;
      // Remembered before parsing, so a bad version is logged once, not every poll.
      this.version = version;
      const grants = parseTokenFile(await readFile(path, 'utf8'), path);
      this.options.onLoad(grants);
      logger.info({ path, tokens: grants.length }, 'tokens file reloaded');
    } catch (err) {
      logger.error({ err, path }, 'tokens file not reloaded: the previous tokens stay in force');
      this.options.onReloadFailure?.('invalid');
    } finally {
      this.polling = false;
    }
  }
}

const MISSING = 'missing';

/** What changes whenever the file's content may have: rewritten in place or replaced. */
function versionOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}
