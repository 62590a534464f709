import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);
const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';

export interface RedisClusterOptions {
  /** Masters (default 3: `redis-cli --cluster create` needs at least 3). */
  masters?: number;
  /** Replicas per master (default 1). */
  replicasPerMaster?: number;
  /** Per node, e.g. '16mb'; 0 (the default) means no limit. */
  maxmemory?: string;
  /** Extra `redis-server` arguments for every node. */
  args?: string[];
}

export interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  /** 'host:port' as the cluster announces it (and ioredis names its nodes). */
  address: string;
  process: ChildProcess;
}

export interface RunningRedisCluster {
  /** Every node, masters and replicas as created (roles change on failover). */
  nodes: ClusterNode[];
  /** `REDIS_CLUSTER_NODES`: every node's host:port, comma-separated. */
  nodesSetting: string;
  /** The seed nodes as ioredis's Cluster takes them. */
  seeds: { host: string; port: number }[];
  /** Runs redis-cli against one node; returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The node's role now ('master' or 'slave'), from `ROLE`. */
  roleOf(port: number): Promise<'master' | 'slave'>;
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** The ports of `masterPort`'s replicas now. */
  replicasOf(masterPort: number): Promise<number[]>;
  /** Resolves once every live node reports cluster_state:ok and every replica's link is up. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGKILLs a node (a crashed master: its replica takes over after the node timeout). */
  kill(port: number): Promise<void>;
  /** Starts a killed node again in its directory: it rejoins (a former master as a replica). */
  restart(port: number): Promise<void>;
  /** Stops every node (SIGTERM, then waits) and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts a real Redis Cluster on loopback ports, in a temporary directory:
 * `masters` masters with `replicasPerMaster` replicas each, slots spread by
 * `redis-cli --cluster create`; resolves once every node reports
 * cluster_state:ok and every replica is in sync. `noeviction`, no
 * persistence, as startRedis. A short node timeout (1 s) so a killed master's
 * replica takes over within a few seconds.
 */
export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<RunningRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'rs-cluster-'));
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => stopProcess(n.process)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(await launchNode(join(dir, String(i)), options));
    }
    await run(REDIS_CLI, [
      '--cluster',
      'create',
      ...nodes.map((n) => n.address),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await run(REDIS_CLI, ['-p', String(port), ...args])).stdout;
  const alive = (): ClusterNode[] =>
    nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);

  const roleOf = async (port: number): Promise<'master' | 'slave'> =>
    (await cli(port, 'ROLE')).startsWith('master') ? 'master' : 'slave';

  /** CLUSTER NODES from a live node: `<id> <ip:port@bus> <flags> <master id> ...`. */
  const clusterNodes = async (): Promise<string[][]> => {
    const from = alive()[0];
    if (from === undefined) throw new Error('no cluster node is running');
    return (await cli(from.port, 'CLUSTER', 'NODES'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
  };
  const portOf = (field: string | undefined): number =>
    Number(/:(\d+)@/.exec(field ?? '')?.[1] ?? NaN);

  const masterOf = async (key: string): Promise<number> => {
    // Asked of a live node: the first one may be the master a test has just killed.
    const slot = Number((await cli(alive()[0]?.port ?? 0, 'CLUSTER', 'KEYSLOT', key)).trim());
    for (const line of await clusterNodes()) {
      const flags = line[2] ?? '';
      if (!flags.includes('master') || flags.includes('fail')) continue;
      for (const range of line.slice(8)) {
        const [lo, hi] = range.split('-').map(Number);
        if (lo !== undefined && slot >= lo && slot <= (hi ?? lo)) return portOf(line[1]);
      }
    }
    throw new Error(`no master serves the slot of '${key}'`);
  };

  const replicasOf = async (masterPort: number): Promise<number[]> => {
    const lines = await clusterNodes();
    const master = lines.find((l) => portOf(l[1]) === masterPort);
    return lines
      .filter((l) => (l[2] ?? '').includes('slave') && l[3] === master?.[0])
      .map((l) => portOf(l[1]));
  };

  const waitHealthy = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
      try {
        const states = await Promise.all(
          alive().map(async (n) => {
            const info = await cli(n.port, 'CLUSTER', 'INFO');
            const repl = await cli(n.port, 'INFO', 'replication');
            const ok = info.includes('cluster_state:ok');
            const synced = repl.includes('role:master') || repl.includes('master_link_status:up');
            return ok && synced ? '' : `${n.address}: ${ok ? 'replica not in sync' : 'not ok'}`;
          }),
        );
        last = states.filter((s) => s !== '').join('; ');
        if (last === '') return;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`the Redis cluster is not healthy: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const nodeAt = (port: number): ClusterNode => {
    const node = nodes.find((n) => n.port === port);
    if (node === undefined) throw new Error(`no cluster node on port ${port}`);
    return node;
  };
  const kill = async (port: number): Promise<void> => {
    const node = nodeAt(port);
    if (node.process.exitCode !== null || node.process.signalCode !== null) return;
    const exited = new Promise((resolve) => node.process.once('exit', resolve));
    node.process.kill('SIGKILL');
    await exited;
  };
  const restart = async (port: number): Promise<void> => {
    const node = nodeAt(port);
    await kill(port);
    node.process = await spawnNode(node.dir, node.port, node.busPort, options);
  };

  try {
    await waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    nodesSetting: nodes.map((n) => n.address).join(','),
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    cli,
    roleOf,
    masterOf,
    replicasOf,
    waitHealthy,
    kill,
    restart,
    stop,
  };
}

/** One cluster-enabled redis-server; retries on a port race. */
async function launchNode(dir: string, options: RedisClusterOptions): Promise<ClusterNode> {
  mkdirSync(dir, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    // The bus port is given too: port + 10000 (the default) may be taken or past 65535.
    const [port, busPort] = [await freePort(), await freePort()];
    try {
      const child = await spawnNode(dir, port, busPort, options);
      return { port, busPort, dir, address: `127.0.0.1:${port}`, process: child };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not start a cluster node: ${String(lastError)}`, { cause: lastError });
}

function spawnNode(
  dir: string,
  port: number,
  busPort: number,
  options: RedisClusterOptions,
): Promise<ChildProcess> {
  const child = spawn(
    REDIS_BIN,
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '1000',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      options.maxmemory ?? '0',
      '--maxmemory-policy',
      'noeviction',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server (cluster node) did not start in 10 s:\n${output}`));
    }, 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run '${REDIS_BIN}' (${err.message})`, { cause: err }));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
    });
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  });
}

/** SIGTERM (SIGCONT first: a stopped node would not see it), then waits for the exit. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
}
