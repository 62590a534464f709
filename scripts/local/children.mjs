// The processes of `npm run local`: each started in a process group of its
// own, so Ctrl-C (SIGINT to the terminal's foreground group) reaches only the
// script, which then stops them one by one in its own order. Their pids are
// kept in a file of the state directory: a script killed before it could
// stop them (SIGKILL) leaves them running outside the terminal's reach, and
// the next start stops them before it takes their ports and data.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

export class LocalProcesses {
  /** name → { child, exited: Promise<{ code, signal }> } */
  #children = new Map();
  #file;
  #cwd;
  #onExit;
  #claimed = false;
  #closed = false;

  /**
   * `file`: where the pids are kept. `onExit(name, code, signal)`: called when
   * a child exits other than through `stop`.
   */
  constructor({ file, cwd, onExit }) {
    this.#file = file;
    this.#cwd = cwd;
    this.#onExit = onExit;
  }

  /**
   * Refuses to start while another script uses the same state directory, and
   * stops what a killed one left behind. `log(line)` says what it stopped.
   */
  async claim(log) {
    const previous = readRecord(this.#file);
    if (previous !== undefined) {
      if (isOurs(previous.supervisor))
        throw new Error(
          `another \`npm run local\` (pid ${previous.supervisor.pid}) uses this state directory; ` +
            'stop it first, or set RUNSTREAM_LOCAL_DIR to another directory',
        );
      // Last started first, as a script stops them: the demo still reaches ingest to complete its run.
      for (const p of previous.children.filter(isOurs).reverse()) {
        log(
          `stopping ${p.name} (pid ${p.pid}), left running by a \`npm run local\` that was killed`,
        );
        await stopPid(p.pid, 10_000);
      }
    }
    this.#claimed = true;
    this.#save();
  }

  /** True once `claim` has made the pid file this script's own. */
  get claimed() {
    return this.#claimed;
  }

  /** How many children were started. */
  get size() {
    return this.#children.size;
  }

  /** No more starts: the script is stopping (a start-up step still under way must not add one). */
  close() {
    this.#closed = true;
  }

  /** Starts `command args` in a process group of its own, its output prefixed with `[name]`. */
  start(name, command, args, env = {}) {
    if (this.#closed) throw new Error(`not starting ${name}: stopping`);
    const child = spawn(command, args, {
      cwd: this.#cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = `[${name}]`.padEnd(11);
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.on('data', (d) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) console.log(`${prefix} ${line}`);
      });
    }
    const entry = {
      child,
      stopping: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          console.log(`${prefix} exited (${signal ?? code})`);
          resolve({ code, signal });
          if (!entry.stopping) this.#onExit(name, code, signal);
        });
      }),
    };
    // A command that cannot be run at all (ENOENT) gets no 'exit': report it as one.
    child.once('error', (err) => {
      if (child.pid === undefined) {
        console.log(`${prefix} cannot start: ${err.message}`);
        if (!entry.stopping) this.#onExit(name, null, null);
      }
    });
    // What the command line of the pid will show: a Node script's path, or the program's name.
    entry.match = command === process.execPath ? args[0] : basename(command);
    this.#children.set(name, entry);
    this.#save();
    return child;
  }

  running(name) {
    const entry = this.#children.get(name);
    return (
      entry !== undefined &&
      entry.child.pid !== undefined &&
      entry.child.exitCode === null &&
      entry.child.signalCode === null
    );
  }

  /**
   * Sends `signal` to the child's group and waits for its exit; after
   * `deadlineMs` SIGKILLs it. Resolves to how it ended.
   */
  async stop(name, deadlineMs, signal = 'SIGTERM') {
    const entry = this.#children.get(name);
    if (entry === undefined) return 'not started';
    entry.stopping = true;
    if (!this.running(name)) return 'already exited';
    signalGroup(entry.child.pid, signal);
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const ended = await Promise.race([entry.exited.then(() => 'stopped'), late]);
    clearTimeout(timer);
    if (ended === 'stopped') return ended;
    console.log(`[local]     ${name} did not stop within ${deadlineMs} ms: SIGKILL`);
    signalGroup(entry.child.pid, 'SIGKILL');
    await entry.exited;
    return 'killed';
  }

  /** SIGKILLs every child still running (the script's last resort on exit). */
  killAll() {
    for (const [name, entry] of this.#children) {
      if (this.running(name)) signalGroup(entry.child.pid, 'SIGKILL');
    }
  }

  /** Forgets the pid file: everything has stopped. */
  release() {
    rmSync(this.#file, { force: true });
  }

  #save() {
    const children = [...this.#children].flatMap(([name, { child, match }]) =>
      child.pid === undefined ? [] : [{ name, pid: child.pid, match }],
    );
    const record = { supervisor: { pid: process.pid, match: basename(process.argv[1]) }, children };
    writeFileSync(this.#file, JSON.stringify(record, null, 2));
  }
}

function readRecord(file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // a half-written file of a killed script: nothing to go on
  }
}

/**
 * True when `pid` runs and is still what was started under it: a pid the OS
 * gave to an unrelated process since is left alone. (Redis rewrites its
 * process title to `redis-server 127.0.0.1:<port>`: its name still shows.)
 */
function isOurs({ pid, match }) {
  if (!Number.isInteger(pid) || pid <= 0 || typeof match !== 'string' || match === '') return false;
  return commandLine(pid).includes(match);
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    // No /proc (macOS), or no such process: ask ps, which prints nothing for a dead pid.
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : '';
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

async function stopPid(pid, deadlineMs) {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return err.code === 'EPERM';
    }
  };
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + deadlineMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) signalGroup(pid, 'SIGKILL');
}
