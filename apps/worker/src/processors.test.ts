import { DuplicateProcessorError, MissingProcessorError, ProcessorRegistry } from './processors';

const noop = (): Promise<void> => Promise.resolve();

describe('ProcessorRegistry', () => {
  it('refuses to start with a chosen queue that has no processor, naming it', () => {
    const registry = new ProcessorRegistry();
    expect(() => registry.assertProcessors(['flush'])).toThrow(MissingProcessorError);
    expect(() => registry.assertProcessors(['flush'])).toThrow(
      /no processor for queue\(s\) 'flush'/,
    );
    expect(() => registry.get('flush')).toThrow(MissingProcessorError);
  });

  it('accepts queues that all have a processor', () => {
    const registry = new ProcessorRegistry().register('flush', noop);
    expect(() => registry.assertProcessors(['flush'])).not.toThrow();
    expect(() => registry.assertProcessors([])).not.toThrow();
    expect(registry.get('flush')).toBe(noop);
    expect(registry.queues()).toEqual(['flush']);
  });

  it('refuses a second processor for one queue', () => {
    const registry = new ProcessorRegistry().register('flush', noop);
    expect(() => registry.register('flush', noop)).toThrow(DuplicateProcessorError);
  });
});
