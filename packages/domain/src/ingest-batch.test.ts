import { ValidationError } from './errors';
import { parseIngestBatch } from './ingest-batch';

describe('parseIngestBatch', () => {
  it('turns the row form into the same columnar series as the columnar form', () => {
    const rows = parseIngestBatch({
      producer: 'p',
      batch: 1,
      samples: [
        { variable: 'a', t: 0, v: 1 },
        { variable: 'b', t: 0, v: 'x' },
        { variable: 'a', t: 1, v: 2 },
      ],
    });
    const columns = parseIngestBatch({
      producer: 'p',
      batch: 1,
      variables: { a: { t: [0, 1], v: [1, 2] }, b: { t: [0], v: ['x'] } },
    });
    expect(rows).toEqual(columns);
    expect(rows.sampleCount).toBe(3);
  });

  it('keeps a variable named __proto__', () => {
    const batch = parseIngestBatch(JSON.parse('{"variables":{"__proto__":{"t":[1],"v":[1]}}}'));
    expect(batch.series.map((s) => s.name)).toEqual(['__proto__']);
  });

  it('names the offending field', () => {
    try {
      parseIngestBatch({ variables: { x: { t: [1, 'a'], v: [1, 2] } } });
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/^variables\.x\.t\[1\]:/);
    }
  });
});
