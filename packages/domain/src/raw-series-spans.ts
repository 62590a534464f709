import { eachMember, JsonScanError, skipValue } from './json-scan';

/**
 * Finds, in the raw text of a columnar batch body, where each variable's `t`
 * and `v` arrays are. The ingest hands that text to Redis as it came instead
 * of serialising the parsed numbers again: formatting ~2000 doubles per batch
 * was a fifth of ingest's CPU (see apps/bench). Slices of a string are cheap
 * in V8 (no copy). The body has already been accepted by JSON.parse, so this
 * scanner only finds boundaries, it does not validate; anything unexpected
 * gives up (undefined) and the caller serialises the parsed values instead.
 */
export interface SeriesSpans {
  t: string;
  v: string;
}

/**
 * The raw `t` and `v` of every variable of a columnar body, by name, as
 * slices of `raw`. Later duplicate keys win, as in JSON.parse. Undefined
 * when the body is not columnar or anything is unexpected.
 */
export function findSeriesSpans(raw: string): Map<string, SeriesSpans> | undefined {
  const spans = new Map<string, SeriesSpans>();
  try {
    eachMember(raw, 0, (key, start) => {
      if (key !== 'variables') return skipValue(raw, start);
      spans.clear();
      return eachMember(raw, start, (name, seriesStart) => {
        let t: string | undefined;
        let v: string | undefined;
        const end = eachMember(raw, seriesStart, (field, valueStart) => {
          const valueEnd = skipValue(raw, valueStart);
          if (field === 't') t = raw.slice(valueStart, valueEnd);
          else if (field === 'v') v = raw.slice(valueStart, valueEnd);
          return valueEnd;
        });
        if (t === undefined || v === undefined) throw new JsonScanError();
        spans.set(name, { t, v });
        return end;
      });
    });
  } catch (err) {
    if (err instanceof JsonScanError || err instanceof SyntaxError) return undefined;
    throw err;
  }
  return spans;
}
