export {
  onShutdownSignals,
  runMain,
  type GracefulShutdownOptions,
  type ShutdownProcess,
} from './graceful-shutdown';
export {
  DEFAULT_READINESS_TIMEOUT_MS,
  healthRoutes,
  type HealthRoutesOptions,
  type MetricsRegistry,
  type ReadinessCheck,
} from './health-routes';
export { createHealthServer } from './health-server';
export { TimeoutError, withTimeout } from './with-timeout';
export { HttpDrain } from './http-drain';
export { REDACTED, redactUrl } from './redact-url';
