export * from './errors';
export * from './names';
export * from './sample-value';
export * from './ingest-batch';
export * from './run';
export * from './http-api';
export * from './socket-events';
export * from './sample-chunks';
