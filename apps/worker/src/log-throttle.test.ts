import { LogThrottle } from './log-throttle';

describe('LogThrottle', () => {
  it('lets one line through per interval and says how many it held back', () => {
    let now = 1000;
    const throttle = new LogThrottle(100, () => now);
    expect(throttle.admit()).toBe(0);
    expect(throttle.admit()).toBeUndefined();
    now += 99;
    expect(throttle.admit()).toBeUndefined();
    now += 1;
    expect(throttle.admit()).toBe(2);
    now += 500;
    expect(throttle.admit()).toBe(0);
  });
});
