import { BINARY_BODY_CONTENT_TYPE } from '@runstream/domain';
import type { HttpDrain } from '@runstream/process-lifecycle';
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import { isAscii } from 'node:buffer';
import { bearerToken, type Authorizer } from '../auth';
import { sendJson, type AnswerError } from '../http-errors';
import type { ObserveRequest } from '../request-observer';
import { SAMPLES_PATH, type TakeSamples } from './samples';

/** SAMPLES_PATH as Express matches it: any case, an optional trailing slash, any query. */
const SAMPLES_URL = /^\/v1\/runs\/([^/?#]+)\/samples\/?(?:\?|$)/i;

/** The bodies taken here; Express's route reads every other. */
const DIRECT_TYPES: Record<string, 'text' | 'bytes'> = {
  'application/json': 'text',
  'application/json;charset=utf-8': 'text',
  [BINARY_BODY_CONTENT_TYPE]: 'bytes',
};

/**
 * POST /v1/runs/:run/samples served straight from node:http, before Express:
 * on thousands of small batches a second Express's router, its request and
 * response objects and body-parser cost more CPU than the write itself
 * (apps/bench, 1 × 10 shape). Only the common request comes here — a body of
 * one of DIRECT_TYPES, uncompressed; anything else (gzip, another charset, no
 * type) returns false and goes to the app's own samples route, which answers
 * it as it always has. Both end in one `take`, both answer errors through one
 * `answerError`, and the steps run in the route's order: drain, token, body.
 */
export function samplesDirect(deps: {
  take: TakeSamples;
  authorizer: Authorizer;
  drain: HttpDrain;
  observe: ObserveRequest;
  answerError: AnswerError;
  maxBodyBytes: number;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { take, authorizer, drain, answerError, maxBodyBytes } = deps;
  const route = (): string => SAMPLES_PATH;

  const serve = async (
    req: IncomingMessage,
    res: ServerResponse,
    runText: string,
    read: 'text' | 'bytes',
  ): Promise<void> => {
    const refused = drain.admit(res);
    if (refused !== undefined) throw refused;
    const principal = authorizer.check(bearerToken(req.headers.authorization), 'write');
    const bytes = await getRawBody(req, {
      length: req.headers['content-length'],
      limit: maxBodyBytes,
    });
    const payload = read === 'bytes' ? bytes : utf8Text(bytes);
    sendJson(res, 200, await take(payload, runText, principal));
  };

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const match = SAMPLES_URL.exec(req.url ?? '');
    if (match?.[1] === undefined) return false;
    const read = directRead(req);
    if (read === undefined) return false;
    let runText: string;
    try {
      runText = decodeURIComponent(match[1]);
    } catch {
      return false; // Express words the 400 for a run id that does not decode.
    }
    deps.observe(req, res, route);
    serve(req, res, runText, read).catch((err: unknown) => answerError(err, req, res));
    return true;
  };
}

/** How the body is read when it is taken here, or undefined for Express's route to read it. */
function directRead(req: IncomingMessage): 'text' | 'bytes' | undefined {
  const { headers } = req;
  const type = headers['content-type'];
  if (type === undefined) return undefined;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  // No body at all: the route refuses it as body-parser sees it.
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined)
    return undefined;
  return DIRECT_TYPES[type.replace(/[ \t]/g, '').toLowerCase()];
}

/**
 * The body as body-parser's text() decodes UTF-8: a byte-order mark dropped.
 * An ASCII body (nearly every JSON body: its strings escape the rest) is the
 * same string read as Latin-1, which skips UTF-8 decoding (~5 % of ingest's
 * CPU on 10 × 100 batches; apps/bench).
 */
function utf8Text(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
