import { memoryLogger } from '@runstream/testkit';
import { onShutdownSignals, type ShutdownProcess } from './graceful-shutdown';

function fakeProcess(): ShutdownProcess & { emit(signal: string): void; exits: number[] } {
  const listeners = new Map<string, () => void>();
  const exits: number[] = [];
  return {
    on: (signal, listener) => listeners.set(signal, listener),
    exit: (code) => void exits.push(code),
    emit: (signal) => listeners.get(signal)?.(),
    exits,
  };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('onShutdownSignals', () => {
  it('closes once on the first signal and exits 0', async () => {
    const proc = fakeProcess();
    const { logger, lines } = memoryLogger();
    let closes = 0;
    const stopping = onShutdownSignals({
      logger,
      timeoutMs: 1000,
      proc,
      close: async () => {
        closes++;
        await tick(10);
      },
    });
    expect(stopping()).toBe(false);
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    expect(stopping()).toBe(true);
    await tick(30);
    expect(closes).toBe(1);
    expect(proc.exits).toEqual([0]);
    expect(lines.map((l) => l.msg)).toEqual(['shutting down', 'stopped']);
  });

  it('exits 1 when the close fails', async () => {
    const proc = fakeProcess();
    onShutdownSignals({
      logger: memoryLogger().logger,
      timeoutMs: 1000,
      proc,
      close: () => Promise.reject(new Error('redis gone')),
    });
    proc.emit('SIGINT');
    await tick(10);
    expect(proc.exits).toEqual([1]);
  });

  it('exits 1 when the close takes longer than the timeout', async () => {
    const proc = fakeProcess();
    const { logger, lines } = memoryLogger();
    onShutdownSignals({ logger, timeoutMs: 20, proc, close: () => new Promise(() => undefined) });
    proc.emit('SIGTERM');
    await tick(60);
    expect(proc.exits).toEqual([1]);
    expect(lines.map((l) => l.msg)).toContain('graceful shutdown timed out; exiting');
  });
});
