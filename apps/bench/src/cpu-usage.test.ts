import { findChildPid, parentPidOf } from './cpu-usage';

describe('parentPidOf', () => {
  it('reads the parent pid after a command name with spaces and parentheses', () => {
    expect(parentPidOf('1234 (node (x) y) S 987 1234 1234 0 -1 4194560')).toBe(987);
  });

  it('is undefined for a line it cannot read', () => {
    expect(parentPidOf('garbage')).toBeUndefined();
  });
});

describe('findChildPid', () => {
  it('finds nothing that does not match', () => {
    expect(findChildPid(process.pid, () => false)).toBeUndefined();
  });
});
