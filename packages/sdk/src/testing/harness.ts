import type { Producer, ProducerOptions } from '../producer';
import type { SamplesRequestBody } from '../samples-request';
import { RunstreamClient } from '../runstream-client';
import { FakeIngest } from './fake-ingest';
import {
  startScriptedServer,
  type RecordedRequest,
  type Responder,
  type ScriptedServer,
} from './scripted-http-server';

export interface Harness {
  server: ScriptedServer;
  ingest: FakeIngest;
  client: RunstreamClient;
  /** `client.producer`, remembered so `close()` can stop it even if the test failed. */
  producer: (run: string, options?: ProducerOptions) => Producer;
  /**
   * Answers the next `n` requests with `spoil` (an error, a dropped socket,
   * no answer at all…) and hands every later one to the fake ingest.
   */
  failFirst: (n: number, spoil: Responder) => void;
  /** The samples requests the server saw, in arrival order. */
  batches: () => Array<RecordedRequest & { json: SamplesRequestBody }>;
  /** Force-closes every producer (a failed test may leave a flush retrying), then the server. */
  close: () => Promise<void>;
}

/** A FakeIngest behind a real HTTP server, a client for it and a running run `r1`. */
export async function startHarness(): Promise<Harness> {
  const ingest = new FakeIngest('tok');
  ingest.addRun('r1');
  const server = await startScriptedServer(ingest.handle);
  const client = new RunstreamClient({ url: server.url, token: 'tok', env: {} });
  const producers: Producer[] = [];
  return {
    server,
    ingest,
    client,
    producer: (run, options) => {
      const p = client.producer(run, options);
      producers.push(p);
      return p;
    },
    failFirst: (n, spoil) => {
      let left = n;
      server.respond((req, res, raw) =>
        left-- > 0 ? spoil(req, res, raw) : ingest.handle(req, res),
      );
    },
    batches: () =>
      server.requests.filter((r) => r.path.endsWith('/samples') && r.method === 'POST') as Array<
        RecordedRequest & { json: SamplesRequestBody }
      >,
    close: async () => {
      await Promise.all(producers.map((p) => p.close({ force: true })));
      await server.close();
    },
  };
}

/** Gaps between consecutive arrival times, in ms. */
export function gaps(requests: RecordedRequest[]): number[] {
  return requests.slice(1).map((r, i) => r.at - (requests[i] as RecordedRequest).at);
}
