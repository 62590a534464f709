import { spawn } from 'node:child_process';

export interface ChildServerOptions {
  /** For progress lines and errors. */
  name: string;
  /** The built JavaScript entry to run with this same node. */
  script: string;
  /** The child's whole environment (nothing of the parent's leaks in unless passed). */
  env: NodeJS.ProcessEnv;
  port: number;
  /** GET path that answers 2xx once the server can take load. */
  readyPath: string;
  /** Extra node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  /** How long start-up may take. */
  readyTimeoutMs?: number;
}

/** A server under test, in a process of its own so it never shares the load generator's event loop. */
export interface ChildServer {
  name: string;
  pid: number;
  baseUrl: string;
  /** The last lines the child printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it lingers; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const OUTPUT_KEEP_CHARS = 8_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `node <script>` and waits until its ready path answers. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Both pipes are always drained: a child blocked on a full pipe would look like a slow server.
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-OUTPUT_KEEP_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(code);
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let failedToSpawn: Error | undefined;
  void spawnError.then((err) => {
    failedToSpawn = err;
  });

  const baseUrl = `http://127.0.0.1:${options.port}`;
  const server: ChildServer = {
    name: options.name,
    pid: child.pid ?? -1,
    baseUrl,
    output: () => output,
    stop: async () => {
      if (exited !== undefined) return exited.code;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exit;
      clearTimeout(killer);
      return code;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (failedToSpawn !== undefined)
      throw new Error(`${options.name}: cannot start: ${failedToSpawn.message}`);
    if (exited !== undefined)
      throw new Error(
        `${options.name} exited during start-up (code ${String(exited.code)}, signal ${String(exited.signal)}):\n${output}`,
      );
    try {
      const res = await fetch(`${baseUrl}${options.readyPath}`);
      await res.arrayBuffer();
      if (res.ok) return server;
    } catch {
      // Not listening yet: try again until the deadline.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${options.name} was not ready within the start-up timeout:\n${output}`);
    }
    await sleep(50);
  }
}

/** Stops a server; one that exits non-zero on SIGTERM is worth knowing about (a failed graceful close). */
export async function stopLoudly(server: ChildServer): Promise<void> {
  const code = await server.stop();
  if (code !== 0 && code !== null)
    console.error(`${server.name} exited with code ${code}:\n${server.output()}`);
}
