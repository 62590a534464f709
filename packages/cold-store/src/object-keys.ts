import { createHash } from 'node:crypto';
import { encodeName, RUN_ID_PATTERN, variableNameProblem } from '@runstream/domain';

/**
 * Every S3 object key Runstream uses is built here, and only here.
 *
 *   <prefix>manifests/<run>.json                                        JSON    a completed run's manifest
 *   <prefix>runs/<run>/vars/<name>/segments/<first>-<last>.ndjson.gz    segment one flushed transfer key: seqs first..last
 *   <prefix>runs/<run>/vars/<name>/merged.ndjson.gz                     merged  the variable's history, written by the merge job
 *   <data key without .ndjson.gz>.index                                 index   where a data object's pieces are, and its bucket pyramid
 *   <prefix>runs/<run>/run.parquet                                      Parquet the run's every sample, long format, written by the merge job
 *
 * - `<prefix>`: optional (`S3_KEY_PREFIX`), e.g. `runstream/`, so one bucket
 *   can hold several deployments or other data. Empty by default.
 * - `<run>`: the run id as it is (`[A-Za-z0-9._-]{1,128}`), readable in any
 *   S3 console. The ids `.`, `..`, `...` (legal run ids, all dots) would be
 *   path tricks to filesystem-backed servers (MinIO, s3rver), so they — and
 *   only they — are written percent-encoded (`%2E%2E`); a run id never holds
 *   `%`, so this cannot collide with another run.
 * - `<name>`: `encodeName(variable)`: every byte outside `[A-Za-z0-9_-]` as
 *   `%XX`, so it never holds `/` or `.` (`../x` stays inside its folder) and
 *   distinct names give distinct folders. Because it never holds `/`, the
 *   listing prefix `…/vars/<name>/segments/` of one variable is never a
 *   prefix of another's (`a` vs `a b`, `x` vs `x%2F`).
 *   Filesystem-backed servers (MinIO) refuse a path component longer than
 *   255 bytes, and a 256-byte name can encode to 768 characters; a name
 *   whose encoding is longer than 200 characters is written as its first
 *   160 encoded characters, `~`, and 32 hex digits of the SHA-256 of the
 *   name. `~` never appears in an encoding, so a long form can never equal
 *   a short one; the manifest (and Redis) keep the names themselves.
 * - Manifests sit apart from the runs' data so that one listing of
 *   `manifests/` finds every completed run (Delimiter listings cannot be
 *   relied on: s3rver mishandles them).
 * - `<first>`, `<last>`: the segment's first and last seq, 16 digits, zero
 *   padded (every safe integer fits), so keys list in seq order and a
 *   retried upload of the same transfer key overwrites the same object.
 *
 * Longest key: 64 (prefix) + 5 + 128 + 6 + 193 + 10 + 33 + 10 = 449 bytes,
 * well under S3's 1024.
 */
export class ObjectKeys {
  constructor(readonly prefix = '') {
    const problem = keyPrefixProblem(prefix);
    if (problem !== undefined) throw new RangeError(problem);
  }

  /** Everything of one run lies under this prefix. */
  runPrefix(run: string): string {
    return `${this.prefix}runs/${runToken(run)}/`;
  }

  /** The listing prefix of every manifest: one object per completed run. */
  manifestsPrefix(): string {
    return `${this.prefix}manifests/`;
  }

  manifest(run: string): string {
    return `${this.manifestsPrefix()}${runToken(run)}${MANIFEST_SUFFIX}`;
  }

  /** The run id of a manifest key (from a listing), or undefined for any other key. */
  runOfManifest(key: string): string | undefined {
    const prefix = this.manifestsPrefix();
    if (!key.startsWith(prefix) || !key.endsWith(MANIFEST_SUFFIX)) return undefined;
    const run = key.slice(prefix.length, -MANIFEST_SUFFIX.length).replaceAll('%2E', '.');
    return RUN_ID_PATTERN.test(run) ? run : undefined;
  }

  /** Everything of one variable lies under this prefix (and nothing of another). */
  variablePrefix(run: string, variable: string): string {
    return `${this.runPrefix(run)}vars/${nameToken(variable)}/`;
  }

  /** The listing prefix of a variable's segments. */
  segmentsPrefix(run: string, variable: string): string {
    return `${this.variablePrefix(run, variable)}segments/`;
  }

  segment(run: string, variable: string, firstSeq: number, lastSeq: number): string {
    checkRange(firstSeq, lastSeq);
    return `${this.segmentsPrefix(run, variable)}${pad(firstSeq)}-${pad(lastSeq)}${SEGMENT_SUFFIX}`;
  }

  merged(run: string, variable: string): string {
    return `${this.variablePrefix(run, variable)}merged${SEGMENT_SUFFIX}`;
  }

  /**
   * The run's Parquet file (see runParquet). Beside `vars/`, so no variable
   * listing meets it, and under the run's prefix, so it goes with the run.
   */
  parquet(run: string): string {
    return `${this.runPrefix(run)}run${PARQUET_SUFFIX}`;
  }

  /**
   * The index object of a data object (segment or merged). Its name does not
   * end in SEGMENT_SUFFIX, so segment listings pass it over.
   */
  indexOf(dataKey: string): string {
    if (!dataKey.endsWith(SEGMENT_SUFFIX))
      throw new RangeError(`not a data object key: ${dataKey}`);
    return `${dataKey.slice(0, -SEGMENT_SUFFIX.length)}${INDEX_SUFFIX}`;
  }
}

/** The seq range a segment key names. */
export interface SeqSpan {
  first: number;
  last: number;
}

/** Both segments and merged objects are gzip'd NDJSON. */
export const SEGMENT_SUFFIX = '.ndjson.gz';
const MANIFEST_SUFFIX = '.json';
const INDEX_SUFFIX = '.index';
const PARQUET_SUFFIX = '.parquet';

const SEQ_DIGITS = 16;
const SEGMENT_FILE = /(?:^|\/)segments\/(\d{16})-(\d{16})\.ndjson\.gz$/;

/**
 * The seq range named by a segment key (any prefix before `segments/`), or
 * undefined when `key` is not a well-formed segment key.
 */
export function parseSegmentKey(key: string): SeqSpan | undefined {
  const m = SEGMENT_FILE.exec(key);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (!Number.isSafeInteger(last) || first < 1 || last < first) return undefined;
  return { first, last };
}

/**
 * Why a key prefix is unusable, or undefined: empty, or `/`-separated parts
 * of `[A-Za-z0-9._-]` (no `.`/`..` part) ending in `/`, at most 64 bytes.
 */
export function keyPrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.length > 64) return 'key prefix must be at most 64 characters';
  if (!/^([A-Za-z0-9._-]+\/)+$/.test(prefix))
    return 'key prefix must be parts of A-Z a-z 0-9 . _ - each followed by "/", e.g. "runstream/"';
  if (prefix.split('/').some((part) => /^\.+$/.test(part)))
    return 'key prefix must not hold "." or ".." parts';
  return undefined;
}

/** Longest `<name>` written as is; MinIO's limit for one path component is 255 bytes. */
const MAX_NAME_TOKEN = 200;
const LONG_NAME_HEAD = 160;

function nameToken(variable: string): string {
  const problem = variableNameProblem(variable);
  if (problem !== undefined) throw new RangeError(`${problem}: ${JSON.stringify(variable)}`);
  const encoded = encodeName(variable);
  if (encoded.length <= MAX_NAME_TOKEN) return encoded;
  // Cut before a partial `%XX` so the readable head stays well-formed.
  let head = encoded.slice(0, LONG_NAME_HEAD);
  const pct = head.lastIndexOf('%');
  if (pct > head.length - 3) head = head.slice(0, pct);
  const digest = createHash('sha256').update(variable, 'utf8').digest('hex').slice(0, 32);
  return `${head}~${digest}`;
}

function runToken(run: string): string {
  if (!RUN_ID_PATTERN.test(run)) throw new RangeError(`not a run id: ${JSON.stringify(run)}`);
  return /^\.+$/.test(run) ? run.replaceAll('.', '%2E') : run;
}

function pad(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

function checkRange(first: number, last: number): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first)
    throw new RangeError(`not a seq range: ${first}-${last}`);
}
