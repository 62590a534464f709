import { MalformedJsonError, UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type RequestHandler } from 'express';

const STARTS_LIKE_OBJECT_OR_ARRAY = /^[ \t\n\r]*[[{]/;

/**
 * Reads an `application/json` body of at most `limitBytes` as text into
 * `req.body`, unparsed (the samples route scans the text itself). One layer:
 * body-parser reads and decodes the body (limits, charsets, 413) behind the
 * type check. A body of another type is refused (415) rather than silently
 * read as empty; an empty body is `{}` when `allowEmpty`.
 */
export function jsonText(
  limitBytes: number,
  options: { allowEmpty?: boolean } = {},
): RequestHandler {
  const read = express.text({ limit: limitBytes, type: 'application/json' });
  return (req, res, next) => {
    const length = req.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody && options.allowEmpty) {
      req.body = {};
      return next();
    }
    if (!req.is('application/json'))
      return next(new UnsupportedMediaTypeError('send the body as Content-Type: application/json'));
    read(req, res, next);
  };
}

/**
 * JSON.parse with express.json's strict mode (only an object or array is
 * JSON here) and our error: MalformedJsonError, naming the tags to send for
 * NaN and Infinity.
 */
export function parseJsonText(text: string): unknown {
  if (!STARTS_LIKE_OBJECT_OR_ARRAY.test(text))
    throw new MalformedJsonError('request body must be a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MalformedJsonError(
      `request body is not valid JSON (${(err as Error).message}); NaN and Infinity are not JSON: send {"$num":"NaN"}`,
      { cause: err },
    );
  }
}

/** jsonText, then the text parsed into `req.body` (parseJsonText). */
export function jsonBody(
  limitBytes: number,
  options: { allowEmpty?: boolean } = {},
): RequestHandler[] {
  const parse: RequestHandler = (req, _res, next) => {
    const text: unknown = req.body;
    if (typeof text !== 'string') return next();
    // A JSON content type with nothing behind it (curl -X POST -H 'content-type: …').
    if (options.allowEmpty && text.trim() === '') {
      req.body = {};
      return next();
    }
    try {
      req.body = parseJsonText(text);
    } catch (err) {
      return next(err);
    }
    next();
  };
  return [jsonText(limitBytes, options), parse];
}
