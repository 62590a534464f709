import { parseBinaryBody, parseIngestBatch } from '@runstream/domain';
import { plainBatch } from '@runstream/domain/testing';
import { BodyPool } from './bodies';

describe('BodyPool', () => {
  it('hands out valid columnar batches of the requested shape', () => {
    const pool = new BodyPool({ variables: 10, samplesPerVariable: 100 }, { size: 4 });
    const batch = parseIngestBatch(JSON.parse(pool.next()));
    expect(batch.series).toHaveLength(10);
    expect(batch.sampleCount).toBe(1000);
    expect(pool.samplesPerBody).toBe(1000);
    for (const s of batch.series) expect(s.t).toHaveLength(100);
  });

  it('gives every body its own (producer, batch), also once the templates wrap around', () => {
    const pool = new BodyPool({ variables: 2, samplesPerVariable: 3 }, { size: 2, producer: 'p' });
    const ids = Array.from({ length: 5 }, () => {
      const body = JSON.parse(pool.next()) as { producer: string; batch: number };
      return `${body.producer}#${body.batch}`;
    });
    expect(new Set(ids).size).toBe(5);
  });

  it('carries a few NaN, tagged as on the wire', () => {
    const pool = new BodyPool({ variables: 10, samplesPerVariable: 100 }, { size: 8 });
    let nan = 0;
    for (let i = 0; i < 8; i++) nan += (pool.next().match(/\{"\$num":"NaN"\}/g) ?? []).length;
    expect(nan).toBeGreaterThan(0);
    expect(nan).toBeLessThan(8 * 1000 * 0.05);
  });

  it('puts a send stamp in the first t of the stamped variable, exactly', () => {
    const pool = new BodyPool({ variables: 3, samplesPerVariable: 5 }, { size: 1 });
    const stamp = performance.timeOrigin + performance.now();
    const batch = parseIngestBatch(JSON.parse(pool.next(stamp)));
    const stamped = batch.series.find((s) => s.name === pool.stampedVariable);
    expect(stamped?.t[0]).toBe(stamp);
    expect(stamped?.t).toHaveLength(5);
  });

  it('sends the same batches as binary bodies, each with its own batch number', () => {
    const json = new BodyPool({ variables: 3, samplesPerVariable: 5 }, { size: 2, producer: 'p' });
    const binary = new BodyPool(
      { variables: 3, samplesPerVariable: 5 },
      { size: 2, producer: 'p' },
    );
    for (let i = 0; i < 3; i++) {
      const fromJson = parseIngestBatch(JSON.parse(json.next()));
      const fromBinary = parseBinaryBody(binary.binaryBody());
      expect(fromBinary.batch).toBe(i);
      expect(plainBatch(fromBinary).series).toEqual(plainBatch(fromJson).series);
    }
  });
});
