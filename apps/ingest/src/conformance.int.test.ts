import { decodeValue, type WireValue } from '@runstream/domain';
import { RunstreamClient, RunstreamHttpError } from '@runstream/sdk';
import { historyProblem, useFixture } from '@runstream/testkit';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultProxy } from './fault-proxy';
import { WRITE_TOKEN, startIngest } from './testing/ingest-harness';

// The language-neutral conformance cases (conformance/cases/*.json, format in
// conformance/README.md), run with the TypeScript SDK against a real ingest
// through the fault proxy. The Python client runs the same files
// (clients/python/tests/test_conformance.py).

const CASES_DIR = join(__dirname, '..', '..', '..', 'conformance', 'cases');

interface Series {
  t: number[];
  v: WireValue[];
}
type Step =
  | { log: Series & { variable: string } }
  | { flush: object }
  | { complete: object }
  | { completeRun: object };
interface ConformanceCase {
  name: string;
  createRun: boolean;
  faults: { nth: number; action: 'refuse' | 'lose' }[];
  steps: Step[];
  expect: {
    samplePosts: number;
    sameBody: [number, number][];
    error?: { step: string; status: number; code: string };
    history?: Record<string, Series>;
    runStatus?: string;
  };
}

const cases = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(CASES_DIR, f), 'utf8')) as ConformanceCase);

const h = useFixture(async () => {
  const ingest = await startIngest();
  const proxy = await startFaultProxy(ingest.baseUrl);
  return { ...ingest, proxy, stop: async () => (await proxy.close(), await ingest.stop()) };
});

describe('conformance cases (TypeScript SDK)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(6));

  const formats = ['json', 'binary'] as const;
  it.each(cases.flatMap((c) => formats.map((f) => [c.name, f, c] as const)))(
    '%s (%s bodies)',
    async (_name, format, c) => {
      const run = `conf-ts-${c.name}-${format}`;
      if (c.createRun) await h.writer.createRun({ id: run });
      const faults = new Map(c.faults.map((f) => [f.nth, f.action]));
      const firstRequest = h.proxy.requests.length;
      let posts = 0;
      h.proxy.mode = (_index, path) =>
        path.endsWith('/samples') ? (faults.get(++posts) ?? 'pass') : 'pass';
      const client = new RunstreamClient({ url: h.proxy.url, token: WRITE_TOKEN });
      const producer = client.producer(run, { minIntervalMs: 10, bodyFormat: format });
      let error: { step: string; status: number; code: string } | undefined;
      try {
        for (const step of c.steps) {
          try {
            if ('log' in step)
              step.log.t.forEach((t, i) =>
                producer.log(step.log.variable, t, decodeValue(step.log.v[i] ?? null)),
              );
            else if ('flush' in step) await producer.flush();
            else if ('complete' in step) await producer.complete();
            else await h.writer.completeRun(run);
          } catch (err) {
            if (!(err instanceof RunstreamHttpError)) throw err;
            error = { step: Object.keys(step)[0] ?? '', status: err.status, code: err.code };
            break;
          }
        }
      } finally {
        await producer.close({ force: true });
      }

      expect(error).toEqual(c.expect.error);
      const samplePosts = h.proxy.requests
        .slice(firstRequest)
        .filter((r) => r.path.endsWith('/samples'));
      expect(samplePosts).toHaveLength(c.expect.samplePosts);
      for (const [i, j] of c.expect.sameBody)
        if (format === 'json')
          expect(JSON.parse(samplePosts[i - 1]?.body ?? '')).toEqual(
            JSON.parse(samplePosts[j - 1]?.body ?? ''),
          );
        // A binary retry sends the same bytes.
        else
          expect(
            samplePosts[i - 1]?.bytes.equals(samplePosts[j - 1]?.bytes ?? Buffer.alloc(0)),
          ).toBe(true);
      for (const [variable, want] of Object.entries(c.expect.history ?? {})) {
        const problem = await historyProblem(
          variable,
          h.reader.history(run, variable),
          want.t.length,
          (seq) => ({ t: want.t[seq - 1] ?? NaN, v: decodeValue(want.v[seq - 1] ?? null) }),
        );
        expect(problem).toBeUndefined();
      }
      if (c.expect.runStatus !== undefined)
        expect((await h.reader.getRun(run)).status).toBe(c.expect.runStatus);
    },
  );
});
