import { z } from 'zod';

/**
 * The spellings a boolean variable accepts. Anything else ('yes', 'on') is
 * refused rather than guessed, so a typo in a security flag stops the start
 * instead of quietly meaning "off". Empty counts as unset: compose passes
 * `${VAR:-}` as an empty string.
 */
const FLAG_SPELLINGS = ['', '0', '1', 'true', 'false'] as const;

const isOn = (v: (typeof FLAG_SPELLINGS)[number]): boolean => v === '1' || v === 'true';

/** A boolean variable that is off unless set to `1` or `true`. */
export const envFlag = z.enum(FLAG_SPELLINGS).default('').transform(isOn);

/**
 * A boolean variable whose default depends on other settings: undefined
 * when unset or empty, for the caller to decide (e.g. S3_FORCE_PATH_STYLE).
 */
export const optionalEnvFlag = z
  .enum(FLAG_SPELLINGS)
  .default('')
  .transform((v) => (v === '' ? undefined : isOn(v)));
