// The ports `npm run local` listens on, each set by one variable, all checked
// before anything starts: a taken port ends with one line naming the variable
// to set, not with a child's EADDRINUSE stack trace halfway through start-up.
import { createServer } from 'node:net';

/**
 * Every port of the local run. `fallback`: the port used when the variable is
 * unset (the ones a browser or a curl line names); without one the OS picks a
 * free port (Redis and S3 are reached only through the URLs printed).
 */
export const LOCAL_PORTS = Object.freeze([
  { key: 'ingest', variable: 'PORT', what: 'ingest', fallback: 8080 },
  { key: 'worker', variable: 'WORKER_PORT', what: 'the worker', fallback: 8081 },
  { key: 'dashboard', variable: 'DASHBOARD_PORT', what: 'the dashboard', fallback: 8082 },
  { key: 'redis', variable: 'REDIS_PORT', what: 'Redis' },
  { key: 's3', variable: 'S3_PORT', what: 'S3' },
]);

/** A port the local run cannot use; its message names the variable to set. */
export class PortProblem extends Error {}

/**
 * The port of each entry of LOCAL_PORTS (`{ ingest: 8080, … }`), every one
 * free on 127.0.0.1 a moment ago. Throws a PortProblem listing every port
 * that is malformed, repeated or taken, each with a free one to use instead.
 */
export async function localPorts(env = process.env) {
  const chosen = {};
  const problems = [];
  for (const { key, variable, fallback } of LOCAL_PORTS) {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') {
      chosen[key] = fallback ?? (await freePort());
      continue;
    }
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      problems.push(`${variable}='${raw}' is not a port number (1-65535)`);
      continue;
    }
    chosen[key] = port;
  }
  const seen = new Map();
  for (const { key, variable, what } of LOCAL_PORTS) {
    const port = chosen[key];
    if (port === undefined) continue;
    const other = seen.get(port);
    if (other !== undefined) {
      problems.push(
        `port ${port} is wanted by ${other.what} (${other.variable}) and ${what} (${variable}): ` +
          `set ${variable}=${await freePort()}`,
      );
      continue;
    }
    seen.set(port, { variable, what });
    const refused = await bindProblem(port);
    if (refused !== undefined)
      problems.push(`port ${port} for ${what} ${refused}: set ${variable}=${await freePort()}`);
  }
  if (problems.length > 0)
    throw new PortProblem(
      [...problems, '(every port and its variable: README.md, Quick start)'].join('\n'),
    );
  return chosen;
}

/** Why 127.0.0.1:`port` cannot be listened on (taken, privileged…), or undefined. */
function bindProblem(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') resolve('is taken');
      else if (err.code === 'EACCES') resolve('needs privileges');
      else resolve(`cannot be used (${err.code ?? err.message})`);
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(undefined)),
    );
  });
}

/** A port on 127.0.0.1 the OS gave out a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
