#!/usr/bin/env node
// Runs s3rver (a local S3-protocol server) as its own process, so a test can
// kill it to simulate "S3 is down" and start it again on the same data, and so
// NODE_OPTIONS=--openssl-legacy-provider (s3rver encrypts ListObjectsV2
// continuation tokens with DES, which Node 20's OpenSSL 3 only has in the
// legacy provider) is set for this process alone. See src/s3-server.ts.
//
//   node bin/s3rver.cjs --port 4569 --directory ./s3-data --bucket runstream [--exit-with-stdin]
//
// Prints "s3rver listening on <address>:<port>" once it accepts connections.
// --exit-with-stdin: exit when stdin closes, i.e. when the parent that piped it
// dies, so a crashed test run leaves no server behind.
'use strict';

const { parseArgs } = require('node:util');
const S3rver = require('s3rver');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4569' },
    address: { type: 'string', default: '127.0.0.1' },
    directory: { type: 'string' },
    bucket: { type: 'string', multiple: true, default: [] },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
if (values.directory === undefined) {
  console.error('s3rver.cjs: --directory is required');
  process.exit(2);
}

const server = new S3rver({
  port: Number(values.port),
  address: values.address,
  directory: values.directory,
  silent: true,
  // Kept across restarts: a restart must find the objects written before it.
  resetOnClose: false,
  configureBuckets: values.bucket.map((name) => ({ name })),
});

server.run().then(
  ({ address, port }) => console.log(`s3rver listening on ${address}:${port}`),
  (err) => {
    console.error(`s3rver failed to start: ${err && err.stack ? err.stack : String(err)}`);
    process.exit(1);
  },
);

// No graceful close on signals: http.Server#close waits for the clients'
// keep-alive sockets, and a killed server is exactly what tests simulate.
if (values['exit-with-stdin']) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
