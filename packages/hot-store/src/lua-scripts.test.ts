import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLuaScripts, SCRIPTS_DIR, type LuaScript } from './lua-scripts';
import type { RunstreamCommands } from './redis-commands';

/** Each command callers use and its file: the compiler keeps this to exactly RunstreamCommands. */
const FILE_OF = {
  rsBeginCompletion: 'begin-completion-1.lua',
  rsBeginTransfer: 'begin-transfer-6.lua',
  rsClaimCompletionTime: 'claim-completion-time-1.lua',
  rsCreateRun: 'create-run-1.lua',
  rsEndCompletion: 'end-completion-1.lua',
  rsEndTransfer: 'end-transfer-3.lua',
  rsForgetRun: 'forget-run-n.lua',
  rsReadChunks: 'read-chunks-1.lua',
  rsTrimTransfer: 'trim-transfer-2.lua',
  rsWriteBatch: 'write-batch-n.lua',
} satisfies Record<keyof RunstreamCommands, string>;

/**
 * The scripts Redis must run at maxmemory (a flush and the end of a merge
 * free memory); the others are refused there whole, before they write.
 */
const ALLOW_OOM = [
  'begin-transfer-6.lua',
  'claim-completion-time-1.lua',
  'end-completion-1.lua',
  'end-transfer-3.lua',
  'forget-run-n.lua',
  'trim-transfer-2.lua',
];

/** Read-only scripts: they run at maxmemory and on replicas. */
const NO_WRITES = ['read-chunks-1.lua'];

const scripts = loadLuaScripts();

/** The shebang line, then the header: a block of `--` lines, and a blank line before the code. */
const OPENING = /^#!lua(?: flags=[a-z-]+(?:,[a-z-]+)*)?\n((?:--.*\n)+)\n/;

/** The header's text, without the comment marks. */
function headerOf(script: LuaScript): string {
  return (OPENING.exec(script.lua)?.[1] ?? '').replace(/^-- ?/gm, '');
}

describe('loadLuaScripts', () => {
  it('loads every .lua file in scripts/, one for each command of RunstreamCommands', () => {
    const files = readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.lua'));
    expect(scripts.map((s) => s.file).sort()).toEqual(files.sort());
    expect(Object.fromEntries(scripts.map((s) => [s.command, s.file]))).toEqual(FILE_OF);
  });

  it.each(scripts.map((s) => [s.file, s] as const))(
    '%s opens with a shebang and a header of KEYS, ARGV and Returns',
    (_, script) => {
      expect(script.lua).toMatch(OPENING);
      const header = headerOf(script);
      expect(header).toMatch(/^KEYS\[1\] /m);
      expect(header).toMatch(/^ARGV(\[1\])? /m);
      expect(header).toMatch(/^Returns\b/m);
    },
  );

  it.each(scripts.map((s) => [s.file, s] as const))(
    '%s runs at maxmemory only when it must',
    (file, script) => {
      const shebang = script.lua.slice(0, script.lua.indexOf('\n'));
      expect(shebang).toBe(
        ALLOW_OOM.includes(file)
          ? '#!lua flags=allow-oom'
          : NO_WRITES.includes(file)
            ? '#!lua flags=no-writes'
            : '#!lua',
      );
    },
  );

  it.each(scripts.map((s) => [s.file, s] as const))(
    '%s takes the keys its header documents',
    (_, script) => {
      const header = headerOf(script);
      const numbered = [...header.matchAll(/^KEYS\[(\d+)\]/gm)].map((m) => Number(m[1]));
      // A variadic script documents its further keys by a formula, e.g. KEYS[3 + 2i].
      const variadic = /^KEYS\[[^\]]*[a-z][^\]]*\]/m.test(header);
      expect(numbered).toEqual(numbered.map((_, i) => i + 1));
      if (script.numberOfKeys === undefined) {
        expect(variadic).toBe(true);
      } else {
        expect(variadic).toBe(false);
        expect(numbered).toHaveLength(script.numberOfKeys);
      }
    },
  );

  it('reads the key count from the name, and refuses a name without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-lua-'));
    try {
      writeFileSync(join(dir, 'do-this-2.lua'), '#!lua\nreturn 1\n');
      writeFileSync(join(dir, 'do-that-n.lua'), '#!lua\nreturn 2\n');
      writeFileSync(join(dir, 'notes.txt'), 'not a script');
      expect(loadLuaScripts(dir)).toEqual([
        {
          command: 'rsDoThat',
          file: 'do-that-n.lua',
          numberOfKeys: undefined,
          lua: '#!lua\nreturn 2\n',
        },
        { command: 'rsDoThis', file: 'do-this-2.lua', numberOfKeys: 2, lua: '#!lua\nreturn 1\n' },
      ]);
      writeFileSync(join(dir, 'do-more.lua'), '#!lua\nreturn 3\n');
      expect(() => loadLuaScripts(dir)).toThrow(
        /do-more\.lua: a script is named <name>-<key count>\.lua/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
