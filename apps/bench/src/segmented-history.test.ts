import { copySource } from './segmented-history';

describe('copySource', () => {
  it('URL-encodes each part of the key, so the %XX of encoded names survives', () => {
    expect(
      copySource(
        'rs-bench',
        'runs/r-1/vars/plant%2Eflow/segments/0000000000000001-0000000000100000.ndjson.gz',
      ),
    ).toBe(
      'rs-bench/runs/r-1/vars/plant%252Eflow/segments/0000000000000001-0000000000100000.ndjson.gz',
    );
  });

  it('keeps the slashes between the parts', () => {
    expect(copySource('b', 'a b/c')).toBe('b/a%20b/c');
  });
});
