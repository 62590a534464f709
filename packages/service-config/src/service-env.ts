import { httpServerEnvShape, type HttpServerDefaults } from './http-server-env';
import { loggingEnvShape } from './logging-env';
import { redisEnvShape } from './redis-env';

/**
 * What every Runstream server reads alike: where it listens and how it stops,
 * the Redis it talks to, and its log level. Each app spreads it into its own
 * schema beside the settings that are its own.
 */
export function serviceEnvShape(defaults: HttpServerDefaults) {
  return { ...httpServerEnvShape(defaults), ...redisEnvShape, ...loggingEnvShape };
}
