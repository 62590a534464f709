export { createApp, type IngestApp, type IngestDeps } from './app';
export { Authorizer, type AuthSettings, type Scope } from './auth';
export { IngestMetrics } from './metrics';
export { loadConfig, type IngestConfig } from './config';
export { RunAccess } from './run-access';
export { TokenFileWatcher, type TokenFileWatcherOptions } from './token-file-watcher';
export { parseTokenFile, tokenFileSchema, TokenFileError } from './token-file';
export {
  TokenTable,
  tokenDigest,
  type Access,
  type Principal,
  type TokenGrant,
} from './token-table';
