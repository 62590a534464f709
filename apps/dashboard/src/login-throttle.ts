import { RunstreamError, toErrorBody } from '@runstream/domain';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

export interface LoginThrottleOptions {
  /** Failed logins a client may make per window; the next request is refused. */
  attempts: number;
  windowMs: number;
  /** Told about every refused request (metrics, logs); must not throw. */
  onThrottled?: (req: Request) => void;
}

/**
 * Throttles password guessing, mounted in front of HTTP Basic: a client (its
 * IP) that sent `attempts` wrong credentials within the window gets 429
 * `too_many_attempts` + Retry-After for every request, right credentials
 * included, until the window has passed. Only wrong credentials count: a
 * browser's first request (no Authorization header yet) and successes do
 * not. Counts are kept in this process (express-rate-limit's memory store).
 */
export function loginThrottle(options: LoginThrottleOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.attempts,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req, res) =>
      !(res.statusCode === 401 && req.headers.authorization !== undefined),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      options.onThrottled?.(req);
      res.setHeader('Cache-Control', 'no-store');
      const retryAfter = res.getHeader('Retry-After') ?? Math.ceil(options.windowMs / 1000);
      res
        .status(429)
        .json(
          toErrorBody(
            new RunstreamError(
              'too_many_attempts',
              429,
              `too many failed logins from this address; retry in ${String(retryAfter)} s`,
            ),
          ),
        );
    },
  });
}
