// Redis bytes per sample of the chunk formats, and the write path's cost,
// packed chunks (this version) against JSON chunk texts (the version before,
// commit 67def28, whose write script is read with `git show`). Both through
// the same path: the request body's text → parseColumnarBody → the writer's
// ARGV → the write script, against a scratch redis-server.
//
//   npm run build && node packages/hot-store/measure-chunk-bytes.mjs
//
// Bytes: MEMORY USAGE (SAMPLES 0: every element) of each variable's buffer
// after 1 M samples, a deterministic figure. Cost: rounds of the same
// batches written by either writer in alternation, the median of per-round
// ratios of wall time and of this process's CPU time (under other load the
// ratios still compare like with like).
import { execFileSync, spawn } from 'node:child_process';
import { parseColumnarBody } from '@runstream/domain';
import { HotKeys, withRunstreamCommands } from '@runstream/hot-store';
import { Redis } from 'ioredis';

const PORT = Number(process.env.MEASURE_REDIS_PORT ?? 16392);
const OLD_WRITE = execFileSync(
  'git',
  ['show', '67def28:packages/hot-store/src/scripts/write-batch-n.lua'],
  { encoding: 'utf8' },
);

const server = spawn('redis-server', ['--port', String(PORT), '--save', '', '--appendonly', 'no']);
await new Promise((r) => setTimeout(r, 300));
const redis = withRunstreamCommands(new Redis(PORT));
redis.defineCommand('rsWriteBatchJson', { lua: OLD_WRITE });
const keys = new HotKeys();

/** The previous version's BatchWriter ARGV: the request's own t/v text. */
function jsonArgs(batch) {
  const args = ['', '', JSON.stringify(batch.series.map((s) => s.name))];
  for (const s of batch.series) {
    const { ends } = s;
    args.push(
      s.name,
      String(ends.count),
      s.raw?.t ?? JSON.stringify(s.t),
      s.raw?.v ?? JSON.stringify(s.v),
      s.summary.min === undefined ? '' : String(s.summary.min),
      s.summary.max === undefined ? '' : String(s.summary.max),
      String(ends.lastT),
      JSON.stringify(ends.lastV),
      String(ends.firstT),
      ends.tNonDecreasing ? '1' : '0',
    );
  }
  return args;
}

async function writeJson(run, batch) {
  const k = [keys.run(run), keys.acks(run), keys.variables(run), keys.dirty(run)];
  for (const s of batch.series) k.push(keys.buffer(run, s.name), keys.stats(run, s.name));
  // As BatchWriter.write calls its script: nested arrays, the ranges parsed.
  const reply = await redis.rsWriteBatchJson(k.length, k, jsonArgs(batch));
  if (reply[0] !== 'ok') throw new Error(`json write: ${reply}`);
  reply[1].split(';').map((pair) => pair.split(',').map(Number));
}

const { BatchWriter } = await import('@runstream/hot-store');
const packed = new BatchWriter(redis, keys);
async function writePacked(run, batch) {
  await packed.write(run, batch);
}

/** Request bodies of `variables` × `size` samples, `batches` of them, seqs continuing. */
function bodies(signal, variables, size, batches) {
  const out = [];
  for (let b = 0; b < batches; b++) {
    const vars = {};
    for (let j = 0; j < variables; j++) {
      const t = [];
      const v = [];
      for (let i = 0; i < size; i++) {
        const n = b * size + i;
        t.push(n * 0.001);
        v.push(signal(n, j));
      }
      vars[`v${j}`] = { t, v };
    }
    out.push(JSON.stringify({ variables: vars }));
  }
  return out;
}

let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const SIGNALS = {
  smooth: (n, j) => Math.sin(n * 0.001 + j) * Math.exp(-n * 1e-6),
  random: () => (random() - 0.5) * 1e6,
};

async function createRun(run) {
  await redis.rsCreateRun(keys.run(run), run, new Date().toISOString(), '{}');
}

async function bytesPerSample(write, run, texts, samples) {
  await createRun(run);
  for (const text of texts) await write(run, parseColumnarBody(text));
  const names = await redis.smembers(keys.variables(run));
  let bytes = 0;
  for (const name of names)
    bytes += Number(await redis.call('MEMORY', 'USAGE', keys.buffer(run, name), 'SAMPLES', '0'));
  return bytes / samples;
}

try {
  console.log('Redis bytes per sample (MEMORY USAGE of the buffers, 1 000 000 samples):');
  if (process.env.MEASURE_SKIP_BYTES !== '1')
    for (const [name, signal] of Object.entries(SIGNALS))
      for (const size of [1000, 100]) {
        const texts = bodies(signal, 1, size, 1_000_000 / size);
        const json = await bytesPerSample(writeJson, `json-${name}-${size}`, texts, 1e6);
        const pack = await bytesPerSample(writePacked, `packed-${name}-${size}`, texts, 1e6);
        console.log(
          `  ${name.padEnd(7)} chunks of ${String(size).padStart(4)}: JSON ${json.toFixed(2)} B, packed ${pack.toFixed(2)} B`,
        );
        await redis.flushall();
      }

  const ROUNDS = Number(process.env.MEASURE_ROUNDS ?? 15);
  const texts = bodies(SIGNALS.smooth, 10, 100, 100); // 100 batches of 10 × 100
  const batches = texts.map((text) => parseColumnarBody(text));
  const time = async (write, run) => {
    await createRun(run);
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (const batch of batches) await write(run, batch);
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / 1e3 };
  };
  const wallRatios = [];
  const cpuRatios = [];
  const cpuUs = { json: [], packed: [] };
  for (let r = 0; r < ROUNDS + 2; r++) {
    // Alternating which goes first; the first two rounds warm up.
    const order = r % 2 === 0 ? ['json', 'packed'] : ['packed', 'json'];
    const got = {};
    for (const which of order)
      got[which] = await time(which === 'json' ? writeJson : writePacked, `${which}-cost-${r}`);
    await redis.flushall();
    if (r < 2) continue;
    for (const which of order) cpuUs[which].push((got[which].cpu * 1000) / batches.length);
    wallRatios.push(got.packed.wall / got.json.wall);
    cpuRatios.push(got.packed.cpu / got.json.cpu);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `Write cost, packed / JSON (${ROUNDS} alternated rounds of 100 batches of 10 × 100 samples, medians):`,
  );
  console.log(
    `  wall ${median(wallRatios).toFixed(3)}, ingest-side CPU ${median(cpuRatios).toFixed(3)}`,
  );
  console.log(
    `  ingest-side CPU per batch: JSON ${median(cpuUs.json).toFixed(0)} µs, packed ${median(cpuUs.packed).toFixed(0)} µs`,
  );
} finally {
  redis.disconnect();
  server.kill();
}
