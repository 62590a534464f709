import { ForbiddenError, RunstreamError } from '@runstream/domain';
import type { Request, RequestHandler } from 'express';

// Every bull-board action (retry, remove, clean, pause, add, obliterate…) is a
// PUT, POST, PATCH or DELETE; reading the board only ever GETs.
const SAFE_METHODS = new Set(['GET', 'HEAD']);

const isSafe = (req: Request): boolean => SAFE_METHODS.has(req.method);

/**
 * Read-only mode in front of the board: any request that could change a
 * queue is refused before bull-board sees it. bull-board's own readOnlyMode
 * (set on every queue adapter too) hides the buttons and guards its
 * queue-scoped routes; this also covers routes that are not scoped to one
 * queue and anything a future bull-board adds.
 */
export function readOnlyGuard(): RequestHandler {
  return (req, res, next) => {
    if (isSafe(req)) return next();
    res.setHeader('Allow', 'GET, HEAD');
    next(
      new RunstreamError(
        'read_only',
        405,
        `the dashboard is read-only (DASHBOARD_READ_ONLY): ${req.method} is refused`,
      ),
    );
  };
}

/**
 * Refuses actions a browser sends on behalf of another site. Browsers attach
 * remembered Basic credentials to every request to this origin, whichever
 * page makes it (cross-site request forgery); `Sec-Fetch-Site`, which pages
 * cannot forge, says who did. Clients that do not send it (curl, scripts)
 * are not browsers acting for someone else and pass.
 */
export function sameSiteActionsOnly(): RequestHandler {
  return (req, _res, next) => {
    const site = req.headers['sec-fetch-site'];
    if (isSafe(req) || site === undefined || site === 'same-origin') return next();
    next(new ForbiddenError(`a ${req.method} from another site (Sec-Fetch-Site: ${site})`));
  };
}
