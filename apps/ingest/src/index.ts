export { createApp, type IngestApp, type IngestDeps } from './app';
export { Authorizer, type AuthSettings, type Scope } from './auth';
export { IngestMetrics } from './metrics';
export { loadConfig, type IngestConfig } from './config';
