import { memoryLogger, waitFor } from '@runstream/testkit';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { answerErrors, errorHandler } from './http-errors';
import { IngestMetrics } from './metrics';
import { observeRequests, requestObserver } from './request-observer';

// A token passed in a query string never reaches the logs: the request line
// (every 4xx and 5xx is logged) and the error log show it redacted.

const SECRET = 'a-secret-token-0123456789';

it('logs request URLs with secret query parameters redacted', async () => {
  const { logger, lines } = memoryLogger('debug');
  const app = express();
  app.use(requestObserver(observeRequests(logger, new IngestMetrics({ defaultMetrics: false }))));
  app.get('/v1/runs', (_req, res) => {
    res.status(401).json({ error: { code: 'unauthorized', message: 'no' } });
  });
  app.get('/v1/fails', () => {
    throw new Error('boom');
  });
  app.use(errorHandler(answerErrors(logger, 1024, () => undefined)));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${base}/v1/runs?token=${SECRET}&limit=5`)).status).toBe(401);
    expect((await fetch(`${base}/v1/fails?access_token=${SECRET}`)).status).toBe(500);
    await waitFor('both request lines', () =>
      lines.filter((l) => l.msg === 'request').length === 2 ? true : undefined,
    );
  } finally {
    server.close();
  }
  const urls = lines.map((l) => l.url);
  expect(urls).toEqual([
    '/v1/runs?token=[REDACTED]&limit=5',
    '/v1/fails?access_token=[REDACTED]', // the error's own line
    '/v1/fails?access_token=[REDACTED]', // the request line
  ]);
  expect(JSON.stringify(lines)).not.toContain(SECRET);
});
