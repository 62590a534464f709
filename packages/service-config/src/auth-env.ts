import { envFlag } from './env-flag';

/** The development switch every app with auth reads alike. */
export const insecureNoAuthEnvShape = {
  /**
   * Development only: no auth at all, logged loudly. It wins over any
   * tokens or credentials that are set, so a flag left on is never mistaken
   * for protection.
   */
  RUNSTREAM_INSECURE_NO_AUTH: envFlag,
};
