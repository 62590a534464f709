import type { HistoryPage, WireValue } from '@runstream/domain';
import { READ_TOKEN, type IngestHarness } from './ingest-harness';

/**
 * The whole history of a variable as a client reads it: paging through the
 * HTTP API with the read token, each page checked 200. The names `.` and
 * `..` cannot ride in a URL path; they go as the query's `variable`.
 */
export async function httpHistory(
  h: Pick<IngestHarness, 'request'>,
  run: string,
  variable: string,
  limit = 997,
): Promise<{ seqs: number[]; t: number[]; v: WireValue[] }> {
  const out = { seqs: [] as number[], t: [] as number[], v: [] as WireValue[] };
  let fromSeq = 1;
  for (;;) {
    const res = await h.request(
      variable === '.' || variable === '..'
        ? `/v1/runs/${run}/samples?variable=${encodeURIComponent(variable)}&fromSeq=${fromSeq}&limit=${limit}`
        : `/v1/runs/${run}/variables/${encodeURIComponent(variable)}/samples?fromSeq=${fromSeq}&limit=${limit}`,
      { token: READ_TOKEN },
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as HistoryPage;
    page.t.forEach((t, i) => {
      out.seqs.push(page.first + i);
      out.t.push(t);
      out.v.push(page.v[i] as WireValue);
    });
    if (!page.more) return out;
    fromSeq = page.nextSeq;
  }
}
