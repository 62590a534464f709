export {
  onShutdownSignals,
  runMain,
  type GracefulShutdownOptions,
  type ShutdownProcess,
} from './graceful-shutdown';
