import { StoredDataDamagedError } from '@runstream/domain';
import { isFormatError, type DamageReporter } from '@runstream/tiering';
import type { Logger } from 'pino';
import type { IngestMetrics } from './metrics';

/**
 * Reports stored data a read found damaged: one error log line (with the
 * object's key and the cause) and runstream_ingest_damaged_objects_total
 * by kind. Each damage is reported once, by whoever answers for it: the
 * catalog for a run it leaves out of a list, the error handlers for what
 * they answer `stored_data_damaged`.
 */
export function damageReporter(logger: Logger, metrics: IngestMetrics): DamageReporter {
  return (err) => {
    metrics.damagedObjects.inc({ kind: err.damage.kind });
    logger.error({ err, damage: err.damage }, 'stored data damaged');
  };
}

/**
 * `err` as StoredDataDamagedError when it says stored data is damaged: as it
 * is, or a format error no reader claimed (its run unknown here).
 */
export function asDamage(err: unknown): StoredDataDamagedError | undefined {
  if (err instanceof StoredDataDamagedError) return err;
  return isFormatError(err)
    ? new StoredDataDamagedError({ kind: 'other' }, { cause: err })
    : undefined;
}
