import { snapshotTextHead } from './snapshot-client';

describe('snapshotTextHead', () => {
  it('reads first and counts t without parsing', () => {
    const text =
      '{"run":"r","variable":"v","first":1001,"t":[0.5,1,1.5],"v":[1,{"$num":"NaN"},"a,b"]}';
    expect(snapshotTextHead(text)).toEqual({ first: 1001, count: 3 });
  });

  it('counts one sample and none', () => {
    expect(snapshotTextHead('{"run":"r","variable":"v","first":7,"t":[3],"v":[1]}')).toEqual({
      first: 7,
      count: 1,
    });
    expect(snapshotTextHead('{"run":"r","variable":"v","first":7,"t":[],"v":[]}')).toEqual({
      first: 7,
      count: 0,
    });
  });

  it('refuses what is not a snapshot message', () => {
    expect(() => snapshotTextHead('{"ok":true}')).toThrow(/not a snapshot message/);
  });
});
