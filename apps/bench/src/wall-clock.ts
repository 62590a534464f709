/**
 * Wall-clock milliseconds with sub-millisecond resolution: the latency stamp.
 * The sender and the subscriber are the same process, so both read one clock
 * and no clock skew enters the figure. A finite double, as a t must be.
 */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();
