import { UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type RequestHandler } from 'express';

/**
 * Parses an `application/json` body up to `limitBytes`. A body of another type
 * is refused (415) rather than silently read as empty; an empty body is `{}`
 * when `allowEmpty`.
 */
export function jsonBody(
  limitBytes: number,
  options: { allowEmpty?: boolean } = {},
): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: true, type: 'application/json' });
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody =
      (req.headers['content-length'] !== '0' && req.headers['content-length'] !== undefined) ||
      req.headers['transfer-encoding'] !== undefined;
    if (!hasBody && options.allowEmpty) {
      req.body = {};
      return next();
    }
    if (!req.is('application/json'))
      return next(new UnsupportedMediaTypeError('send the body as Content-Type: application/json'));
    next();
  };
  return [requireJson, parse];
}
