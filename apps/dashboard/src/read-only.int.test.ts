import { startRedis, type RunningRedis } from '@runstream/testkit';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBoardRouter } from './board';
import {
  boardQueues,
  queueKeysSnapshot,
  startDashboard,
  type DashboardHarness,
} from './testing/dashboard-harness';

// DASHBOARD_READ_ONLY: every action bull-board offers is refused and leaves
// Redis exactly as it was. The same requests on a writable dashboard over the
// same Redis do change it, so a refusal here is the read-only mode at work.

let redis: RunningRedis;
let readOnly: DashboardHarness;
let writable: DashboardHarness;
let jobId: string;

beforeAll(async () => {
  redis = await startRedis();
  readOnly = await startDashboard({ readOnly: true, redis });
  writable = await startDashboard({ readOnly: false, redis });
  await readOnly.queues.add('merge', { run: 'run-ro', reason: 'requested', requestedAt: 1 });
  const [job] = await readOnly.queues.queue('merge').getJobs(['waiting']);
  jobId = job!.id!;
});
afterAll(async () => {
  await readOnly?.stop();
  await writable?.stop();
  await redis?.stop();
});

/** bull-board API actions, relative to the board: [method, path, body]. */
const actions = (): Array<[string, string, unknown]> => [
  ['PUT', `/api/queues/merge/${jobId}/clean`, undefined],
  ['PUT', `/api/queues/merge/${jobId}/promote`, undefined],
  ['PATCH', `/api/queues/merge/${jobId}/update-data`, { data: { run: 'changed' } }],
  ['PUT', '/api/queues/merge/retry/failed', undefined],
  ['PUT', '/api/queues/merge/clean/completed', undefined],
  ['PUT', '/api/queues/merge/empty', undefined],
  ['PUT', '/api/queues/merge/pause', undefined],
  ['PUT', '/api/queues/pause', undefined],
  ['POST', '/api/queues/merge/add', { name: 'merge', data: { run: 'added' } }],
  ['PUT', '/api/queues/merge/obliterate', {}],
];

describe('read-only dashboard', () => {
  it('marks every queue read-only in the board (no action buttons, no retries)', async () => {
    const queues = await boardQueues(await readOnly.request('/api/queues'));
    expect(queues.map((q) => q.name).sort()).toEqual(['compact', 'flush', 'merge', 'observe']);
    for (const q of queues) expect([q.readOnlyMode, q.allowRetries]).toEqual([true, false]);
  });

  it('still shows the jobs', async () => {
    const queues = await boardQueues(
      await readOnly.request('/api/queues?activeQueue=merge&status=waiting'),
    );
    expect(queues.find((q) => q.name === 'merge')!.jobs).toEqual([
      expect.objectContaining({
        id: jobId,
        data: expect.objectContaining({ run: 'run-ro' }) as unknown,
      }),
    ]);
  });

  it('refuses every action with 405 and changes nothing in Redis', async () => {
    const before = await queueKeysSnapshot(readOnly.client);
    expect(before.length).toBeGreaterThan(0);
    for (const [method, path, json] of actions()) {
      const res = await readOnly.request(path, { method, json });
      expect([method, path, res.status]).toEqual([method, path, 405]);
      expect(await res.json()).toMatchObject({ error: { code: 'read_only' } });
    }
    expect(await queueKeysSnapshot(readOnly.client)).toEqual(before);
    expect(await readOnly.queues.queue('merge').getJob(jobId)).toBeDefined();
    expect(await readOnly.queues.queue('merge').isPaused()).toBe(false);
  });

  it("is refused by bull-board's own readOnlyMode too, without our guard in front", async () => {
    // The board router alone, as createDashboardApp mounts it behind the guards.
    const app = express().use(
      '/',
      createBoardRouter({ queues: readOnly.queues.all(), readOnly: true, basePath: '/' }),
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const before = await queueKeysSnapshot(readOnly.client);
      for (const path of [`/api/queues/merge/${jobId}/clean`, '/api/queues/merge/pause']) {
        const res = await fetch(`${origin}${path}`, { method: 'PUT' });
        expect([path, res.status]).toEqual([path, 405]);
      }
      expect(await queueKeysSnapshot(readOnly.client)).toEqual(before);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('(control) the same requests on a writable dashboard do change Redis', async () => {
    const before = await queueKeysSnapshot(writable.client);
    const pause = await writable.request('/api/queues/merge/pause', { method: 'PUT' });
    expect(pause.status).toBe(200);
    expect(await writable.queues.queue('merge').isPaused()).toBe(true);
    const clean = await writable.request(`/api/queues/merge/${jobId}/clean`, { method: 'PUT' });
    expect(clean.status).toBe(204);
    expect(await writable.queues.queue('merge').getJob(jobId)).toBeUndefined();
    expect(await queueKeysSnapshot(writable.client)).not.toEqual(before);
  });
});
