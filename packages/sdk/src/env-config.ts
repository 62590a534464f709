import { RunstreamConfigError } from './errors';

/**
 * The SDK's environment defaults. This is the only module that reads
 * `process.env`; options passed in code always win over it.
 */
export interface RunstreamEnv {
  /** RUNSTREAM_URL: base URL of the ingest server, e.g. `http://localhost:8080`. */
  url?: string;
  /** RUNSTREAM_TOKEN: bearer token sent on every request and socket handshake. */
  token?: string;
  /** RUNSTREAM_MIN_INTERVAL_MS: smallest time between two producer requests. */
  minIntervalMs?: number;
  /** RUNSTREAM_BODY_FORMAT: how producers send samples, `json` (default) or `binary`. */
  bodyFormat?: BodyFormat;
}

/**
 * How a producer sends its batches: `json`, or `binary`, the columnar
 * float64 form (docs/protocol.md, "Binary bodies"), which the server parses
 * several times faster and which is ~40 % of the bytes.
 */
export type BodyFormat = 'json' | 'binary';

export function parseBodyFormat(value: string, variable: string): BodyFormat {
  if (value !== 'json' && value !== 'binary')
    throw new RunstreamConfigError(variable, `'${value}' must be json or binary`);
  return value;
}

/**
 * Reads and validates the `RUNSTREAM_*` variables. An empty variable counts
 * as unset. Throws RunstreamConfigError naming the variable when one is bad,
 * so a typo fails at start-up instead of as a confusing network error later.
 */
export function readRunstreamEnv(env: NodeJS.ProcessEnv = process.env): RunstreamEnv {
  const out: RunstreamEnv = {};
  const url = nonEmpty(env.RUNSTREAM_URL);
  if (url !== undefined) out.url = parseBaseUrl(url, 'RUNSTREAM_URL');
  const token = nonEmpty(env.RUNSTREAM_TOKEN);
  if (token !== undefined) out.token = token;
  const interval = nonEmpty(env.RUNSTREAM_MIN_INTERVAL_MS);
  if (interval !== undefined) {
    out.minIntervalMs = parseNonNegativeInteger(interval, 'RUNSTREAM_MIN_INTERVAL_MS');
  }
  const format = nonEmpty(env.RUNSTREAM_BODY_FORMAT);
  if (format !== undefined) out.bodyFormat = parseBodyFormat(format, 'RUNSTREAM_BODY_FORMAT');
  return out;
}

/** Where and as whom the SDK talks to the ingest server. */
export interface ServerConnection {
  /** Base URL without a trailing slash. */
  url: string;
  /** Bearer token for every request and socket handshake. */
  token: string;
  /** The environment defaults read on the way. */
  env: RunstreamEnv;
}

/**
 * The server URL and token from the options, else from RUNSTREAM_URL and
 * RUNSTREAM_TOKEN; RunstreamConfigError naming what is missing or bad.
 */
export function resolveServerConnection(options: {
  url?: string;
  token?: string;
  env?: NodeJS.ProcessEnv;
}): ServerConnection {
  const env = readRunstreamEnv(options.env);
  const rawUrl = options.url ?? env.url;
  if (rawUrl === undefined) {
    throw new RunstreamConfigError('RUNSTREAM_URL', 'no server URL: set it or pass options.url');
  }
  const url = parseBaseUrl(rawUrl, options.url === undefined ? 'RUNSTREAM_URL' : 'options.url');
  const token = options.token ?? env.token;
  if (token === undefined || token === '') {
    throw new RunstreamConfigError(
      'RUNSTREAM_TOKEN',
      'no token: set it or pass options.token (every request and socket needs a bearer token)',
    );
  }
  return { url, token, env };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * An http(s) URL without a trailing slash, so paths can be appended as
 * `${base}/v1/...`. A path prefix (a server behind a proxy) is kept.
 */
export function parseBaseUrl(value: string, variable: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new RunstreamConfigError(variable, `'${value}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RunstreamConfigError(variable, `'${value}' must be an http:// or https:// URL`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new RunstreamConfigError(variable, `'${value}' must not have a query or fragment`);
  }
  return parsed.href.replace(/\/+$/, '');
}

export function parseNonNegativeInteger(value: string, variable: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new RunstreamConfigError(variable, `'${value}' must be a non-negative integer`);
  }
  return Number(value);
}
