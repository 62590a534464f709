import { MalformedJsonError, UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type Request, type RequestHandler } from 'express';

const rawBodies = new WeakMap<Request, string>();

/** The text the JSON body was parsed from (the samples route stores parts of it as they are). */
export function rawBodyOf(req: Request): string | undefined {
  return rawBodies.get(req);
}

const STARTS_LIKE_OBJECT_OR_ARRAY = /^[ \t\n\r]*[[{]/;

/**
 * Parses an `application/json` body of at most `limitBytes` and keeps its text.
 * body-parser reads and decodes the body (limits, charsets, 413); the JSON.parse
 * is ours so the text stays at hand. Like express.json's strict mode, only an
 * object or array is JSON here. A body of another type is refused (415) rather
 * than silently read as empty; an empty body is `{}` when `allowEmpty`.
 */
export function jsonBody(
  limitBytes: number,
  options: { allowEmpty?: boolean } = {},
): RequestHandler[] {
  const read = express.text({ limit: limitBytes, type: 'application/json' });
  const requireJson: RequestHandler = (req, _res, next) => {
    const length = req.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody && options.allowEmpty) {
      req.body = {};
      return next();
    }
    if (!req.is('application/json'))
      return next(new UnsupportedMediaTypeError('send the body as Content-Type: application/json'));
    next();
  };
  const parse: RequestHandler = (req, _res, next) => {
    const text: unknown = req.body;
    if (typeof text !== 'string') return next();
    // A JSON content type with nothing behind it (curl -X POST -H 'content-type: …').
    if (options.allowEmpty && text.trim() === '') {
      req.body = {};
      return next();
    }
    if (!STARTS_LIKE_OBJECT_OR_ARRAY.test(text))
      return next(new MalformedJsonError('request body must be a JSON object'));
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (err) {
      return next(
        new MalformedJsonError(
          `request body is not valid JSON (${(err as Error).message}); NaN and Infinity are not JSON: send {"$num":"NaN"}`,
          { cause: err },
        ),
      );
    }
    rawBodies.set(req, text);
    next();
  };
  return [requireJson, read, parse];
}
