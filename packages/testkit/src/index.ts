export { freePort } from './free-port';
export { startRedis, type RunningRedis, type RedisServerOptions } from './redis-server';
export { seqCoverageProblem } from './seq-coverage';
