import { BINARY_BODY_CONTENT_TYPE, UnsupportedMediaTypeError } from '@runstream/domain';
import express, { type RequestHandler } from 'express';
import { jsonText } from './json-body';

/**
 * Reads a sample batch body of at most `limitBytes` into `req.body`, unparsed:
 * `application/json` as text (jsonText), the binary columnar form
 * (BINARY_BODY_CONTENT_TYPE, docs/protocol.md) as a Buffer. The same size
 * limit and the same 413 for both; any other type is 415.
 */
export function samplesBody(limitBytes: number): RequestHandler {
  const text = jsonText(limitBytes);
  const binary = express.raw({ limit: limitBytes, type: BINARY_BODY_CONTENT_TYPE });
  return (req, res, next) => {
    if (req.is(BINARY_BODY_CONTENT_TYPE)) return binary(req, res, next);
    if (req.is('application/json')) return text(req, res, next);
    next(
      new UnsupportedMediaTypeError(
        `send the body as Content-Type: application/json or ${BINARY_BODY_CONTENT_TYPE}`,
      ),
    );
  };
}
