export { envFlag, optionalEnvFlag } from './env-flag';
export { belowRule, envRule } from './env-rule';
export { ConfigError, parseEnv, type ConfigIssue } from './parse-env';
export { redisEnvShape } from './redis-env';
export { loggingEnvShape } from './logging-env';
export { httpServerEnvShape, type HttpServerDefaults } from './http-server-env';
export { insecureNoAuthEnvShape } from './auth-env';
export { memoryEnvShape, memoryLimitsRule } from './memory-env';
export {
  CONFIGURATION_SECTION,
  MissingConfigTableError,
  documentedVariables,
} from './documented-variables';
export { serviceEnvShape } from './service-env';
