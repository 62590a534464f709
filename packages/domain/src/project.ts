import { z } from 'zod';
import { RUN_ID_PATTERN } from './names';
import type { Run } from './run';

/**
 * The project of every run created before projects existed, and of every
 * token given by the single-project settings (RUNSTREAM_WRITE_TOKENS,
 * RUNSTREAM_READ_TOKENS): a run record or manifest without a project belongs
 * to it.
 */
export const DEFAULT_PROJECT = 'default';

/** Project names follow the run-id alphabet: they are stored beside run ids. */
export const projectNameSchema = z
  .string()
  .regex(RUN_ID_PATTERN, 'project must be 1-128 characters of A-Z a-z 0-9 . _ -');

/** The project that owns a run; a run from before projects belongs to the default one. */
export function ownerOf(run: Pick<Run, 'project'>): string {
  return run.project ?? DEFAULT_PROJECT;
}
