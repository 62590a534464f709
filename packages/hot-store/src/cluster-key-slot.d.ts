// cluster-key-slot (ioredis's own slot function) ships no types.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0..16383) of a key, hash tags honoured. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
