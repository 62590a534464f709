import { UGLY_SAMPLE_VALUES } from '@runstream/testkit';
import { decodeValue, encodeValue, type SampleValue, type WireValue } from '@runstream/domain';
import { startHarness, type Harness } from './testing/harness';

describe('Producer wire encoding', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];

  it('puts every kind of value on the wire in the domain encoding', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    values.forEach((v, i) => producer.log('v', i, v));
    await producer.flush();

    const [request] = h.batches();
    const raw = request?.text ?? '';
    // JSON has no NaN/Infinity: the tags must be in the raw bytes.
    expect(raw).toContain('{"$num":"NaN"}');
    expect(raw).toContain('{"$num":"Infinity"}');
    expect(raw).toContain('{"$num":"-Infinity"}');
    expect(raw).toContain('{"$num":"-0"}');
    expect(raw).toContain('1e+308');
    expect(raw).not.toContain('null,null'); // what JSON.stringify makes of NaN, Infinity
    const wire = (request?.json as unknown as { variables: { v: { t: number[]; v: WireValue[] } } })
      .variables.v;
    expect(wire.v).toEqual(values.map(encodeValue));
    expect(wire.t).toEqual(values.map((_, i) => i));
    // And it decodes back to exactly what was logged (toEqual uses Object.is: -0 ≠ 0, NaN = NaN).
    expect(wire.v.map(decodeValue)).toEqual(values);
    // The domain's parser on the fake server accepted and stored it.
    expect(h.ingest.variable('r1', 'v')?.v.map(decodeValue)).toEqual(values);
    await producer.close();
  });

  it('copies arrays at log time: a model may reuse its state array', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    const state = [1, 2, 3];
    producer.log('state', 0, state);
    state[0] = 99;
    producer.log('state', 1, state);
    await producer.flush();
    expect(h.ingest.variable('r1', 'state')?.v).toEqual([
      [1, 2, 3],
      [99, 2, 3],
    ]);
    await producer.close();
  });

  it('sends any printable variable name, including ones that look like paths or prototypes', async () => {
    const names = [
      '__proto__',
      'constructor',
      '../x',
      'a/b',
      '100%',
      'with space',
      'ünï.cødé',
      'u[3]',
      '$num',
    ];
    const producer = h.producer('r1', { minIntervalMs: 10 });
    names.forEach((name, i) => producer.log(name, i, i));
    await producer.flush();
    const body = h.batches()[0]?.text ?? '';
    for (const name of names) {
      expect(body).toContain(JSON.stringify(name));
      expect(h.ingest.variable('r1', name)?.v).toEqual([names.indexOf(name)]);
    }
    await producer.close();
  });
});
