import { envFlag, optionalEnvFlag } from './env-flag';

describe('envFlag', () => {
  it('is on for 1 and true, off for 0, false, empty and unset', () => {
    const values = ['1', 'true', '0', 'false', '', undefined];
    expect(values.map((v) => envFlag.parse(v))).toEqual([true, true, false, false, false, false]);
  });

  it.each(['yes', 'on', 'TRUE', ' 1'])('refuses %p rather than guess', (value) => {
    expect(envFlag.safeParse(value).success).toBe(false);
  });
});

describe('optionalEnvFlag', () => {
  it('leaves unset and empty to the caller, and reads the rest as envFlag does', () => {
    expect(optionalEnvFlag.parse(undefined)).toBeUndefined();
    expect(optionalEnvFlag.parse('')).toBeUndefined();
    expect(optionalEnvFlag.parse('0')).toBe(false);
    expect(optionalEnvFlag.parse('true')).toBe(true);
    expect(optionalEnvFlag.safeParse('yes').success).toBe(false);
  });
});
