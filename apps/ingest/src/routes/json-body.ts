import { UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type Request, type RequestHandler } from 'express';
import type { IncomingMessage } from 'node:http';

const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The bytes the JSON body was parsed from (the samples route stores parts of them as they are). */
export function rawBodyOf(req: Request): Buffer | undefined {
  return rawBodies.get(req);
}

/**
 * Parses an `application/json` body up to `limitBytes`, keeping its raw bytes.
 * A body of another type is refused (415) rather than silently read as empty;
 * an empty body is `{}` when `allowEmpty`.
 */
export function jsonBody(limitBytes: number, options: { allowEmpty?: boolean } = {}): RequestHandler[] {
  const parse = express.json({
    limit: limitBytes,
    strict: true,
    type: 'application/json',
    verify: (req, _res, buf) => {
      rawBodies.set(req, buf);
    },
  });
  const requireJson: RequestHandler = (req, _res, next) => {
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
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
