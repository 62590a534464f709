import { BINARY_BODY_CONTENT_TYPE, UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type RequestHandler } from 'express';

const JSON_TYPE = 'application/json';
const EMPTY = new Uint8Array(0);

/**
 * Reads a sample batch body of at most `limitBytes` into `req.body`, unparsed:
 * `application/json` as text, the binary columnar form
 * (BINARY_BODY_CONTENT_TYPE, docs/protocol.md) as a Buffer. The same size
 * limit and the same 413 for both; any other type is 415. The Content-Type
 * is read once, here (the readers are told to take what they are given):
 * every parse of it is paid on each of thousands of requests a second.
 */
export function samplesBody(limitBytes: number): RequestHandler {
  const anyType = (): boolean => true;
  const text = express.text({ limit: limitBytes, type: anyType });
  const binary = express.raw({ limit: limitBytes, type: anyType });
  return (req, res, next) => {
    switch (req.is([BINARY_BODY_CONTENT_TYPE, JSON_TYPE])) {
      case BINARY_BODY_CONTENT_TYPE:
        // A body of no bytes leaves req.body unset: it is an empty (truncated) one.
        return binary(req, res, (err?: unknown) => {
          if (err === undefined && !(req.body instanceof Uint8Array)) req.body = EMPTY;
          next(err);
        });
      case JSON_TYPE:
        return text(req, res, next);
      default:
        return next(
          new UnsupportedMediaTypeError(
            `send the body as Content-Type: ${JSON_TYPE} or ${BINARY_BODY_CONTENT_TYPE}`,
          ),
        );
    }
  };
}
