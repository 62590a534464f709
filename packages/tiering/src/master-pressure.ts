import type { MemoryReading } from '@runstream/hot-store';
import { MemoryPressure, type MemoryPressureOptions } from './memory-pressure';

/** What the write path asks of a memory watch: may this run's write go ahead? */
export interface WriteAdmission {
  admitsWrite(bytes: number, run: string): Promise<boolean>;
  writeEnded(bytes: number, run: string): void;
}

/**
 * Memory pressure judged per master: one MemoryPressure per master node, so
 * a run's write is refused only when the master that holds the run's slot
 * is full, while runs on the other masters go on. On a single node there is
 * one master and this is exactly that node's MemoryPressure. Writes whose
 * master is not known (a failover under way) are let through: Redis itself
 * answers them (with MOVED, CLUSTERDOWN or OOM, each a 503).
 */
export class MasterPressure implements WriteAdmission {
  private readonly masters = new Map<string, MemoryPressure>();

  constructor(
    /** The master ('host:port') holding `run`'s keys now. */
    private readonly masterOf: (run: string) => string | undefined,
    /** Reads one master's memory (rejects when it is no longer a master). */
    private readonly readMaster: (node: string) => Promise<MemoryReading>,
    private readonly options: MemoryPressureOptions,
    private readonly requestFlush: (ratio: number, node: string) => Promise<void>,
    private readonly onError: (err: unknown, node: string) => void,
  ) {}

  /** The watch of one master (made at its first write). */
  of(node: string): MemoryPressure {
    let p = this.masters.get(node);
    if (p === undefined) {
      p = new MemoryPressure(
        () => this.readMaster(node),
        this.options,
        (ratio) => this.requestFlush(ratio, node),
        (err) => this.onError(err, node),
      );
      this.masters.set(node, p);
    }
    return p;
  }

  admitsWrite(bytes: number, run: string): Promise<boolean> {
    const node = this.masterOf(run);
    return node === undefined ? Promise.resolve(true) : this.of(node).admitsWrite(bytes);
  }

  writeEnded(bytes: number, run: string): void {
    const node = this.masterOf(run);
    if (node !== undefined) this.masters.get(node)?.writeEnded(bytes);
  }
}
