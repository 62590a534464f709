import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Loads the Lua scripts: one `.lua` file each in `scripts/`, beside this
 * module both in `src/` (tests) and in `dist/` (the build copies them, see
 * `copy-scripts.mjs`), so editors, linters and diffs see Lua as Lua.
 *
 * A file's name says how its command is called, as in BullMQ's
 * `addStandardJob-9.lua`:
 *
 *   <name>-<k>.lua   exactly k keys: called with the k keys, then ARGV
 *   <name>-n.lua     any number of keys: called with the key count first
 *
 * and names the ioredis command `rs<Name>` (`begin-transfer-6.lua` →
 * `rsBeginTransfer`). A name without either suffix is refused, so a script
 * never turns variadic by a forgotten count.
 *
 * Each file starts with its shebang (`#!lua`, or `#!lua flags=allow-oom`
 * for the scripts that must run at maxmemory; without the flag Redis refuses
 * the whole script up front there) and then a header of `--` lines: what
 * it does and why, its KEYS, ARGV and Returns.
 *
 * Code several scripts share (Redis runs each script alone, without
 * `require`) sits in `scripts/include/`; a script line `-- include: <file>`
 * is replaced by that file's text when it loads.
 */
export interface LuaScript {
  /** The ioredis command, e.g. `rsBeginTransfer`. */
  command: string;
  file: string;
  /** Undefined for a `-n` script: the caller passes the key count. */
  numberOfKeys: number | undefined;
  lua: string;
}

export const SCRIPTS_DIR = join(__dirname, 'scripts');

const SCRIPT_FILE = /^([a-z]+(?:-[a-z]+)*)-(\d+|n)\.lua$/;

const INCLUDE = /^-- include: ([a-z-]+\.lua)$/gm;

export function loadLuaScripts(dir = SCRIPTS_DIR): LuaScript[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.lua'))
    .sort();
  return files.map((file) => {
    const match = SCRIPT_FILE.exec(file);
    if (match === null) {
      throw new Error(
        `${join(dir, file)}: a script is named <name>-<key count>.lua or <name>-n.lua`,
      );
    }
    const [, name = '', keys = ''] = match;
    return {
      command: commandName(name),
      file,
      numberOfKeys: keys === 'n' ? undefined : Number(keys),
      lua: readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, name: string) =>
        readFileSync(join(dir, 'include', name), 'utf8').trimEnd(),
      ),
    };
  });
}

/** `begin-transfer` → `rsBeginTransfer`. */
function commandName(name: string): string {
  return `rs${name.replace(/(?:^|-)([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}
