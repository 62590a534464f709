import { projectNameSchema } from '@runstream/domain';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { grantOf } from './token-table';

const USAGE = `usage: npm run token:digest -- --project <name> [--access read|read-write] [--name <label>]
  Makes a new token (or, with a token piped on stdin, uses that one) and prints
  its tokens-file entry on stdout, the token itself on stderr. Only the entry
  goes into RUNSTREAM_TOKENS_FILE; give the token to its user.`;

/**
 * `npm run token:digest`: a tokens-file entry for a new token. The file holds
 * digests only, so the token is shown here once and kept nowhere.
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      access: { type: 'string', default: 'read-write' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const project = projectNameSchema.safeParse(values.project);
  if (values.help === true || !project.success) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = values.help === true ? 0 : 2;
    return;
  }
  if (values.access !== 'read' && values.access !== 'read-write') {
    process.stderr.write(`--access must be read or read-write\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const piped = process.stdin.isTTY ? '' : readFileSync(0, 'utf8').trim();
  const token = piped !== '' ? piped : randomBytes(32).toString('base64url');
  const grant = grantOf(token, { project: project.data, access: values.access }, values.name);
  if (piped === '') process.stderr.write(`token (shown once, stored nowhere): ${token}\n`);
  process.stdout.write(`${JSON.stringify(grant)}\n`);
}

main();
