import { useFixture } from '@runstream/testkit';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { startTieredIngest } from './testing/tiered-ingest';

// docs/protocol.md's curl session, run as written against a real ingest (on a
// real redis-server and s3rver): each command's answer must have the status
// and contain the JSON of the `# →` line under it, so the document cannot
// drift from the server.

const DOC = join(__dirname, '..', '..', '..', 'docs', 'protocol.md');

interface DocStep {
  command: string;
  status: number;
  body: unknown;
}

/** The `sh` block after the "A session with curl" heading, as commands and their expected answers. */
function curlSession(markdown: string): DocStep[] {
  const section = markdown.split('## A session with curl')[1] ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('docs/protocol.md: no curl session block');
  const steps: DocStep[] = [];
  let command = '';
  for (const line of block.split('\n')) {
    const expected = /^# → (\d{3}) (.*)$/.exec(line);
    if (expected !== null) {
      steps.push({ command, status: Number(expected[1]), body: JSON.parse(expected[2] ?? '') });
      command = '';
    } else if (line.trim() !== '') {
      command += line.endsWith('\\') ? line.slice(0, -1) : `${line}\n`;
    }
  }
  return steps;
}

const h = useFixture(() => startTieredIngest());

describe('docs/protocol.md', () => {
  const steps = curlSession(readFileSync(DOC, 'utf8'));

  it('has a curl session covering create, samples, dedup, errors, reads and completion', () => {
    expect(steps.length).toBeGreaterThanOrEqual(10);
    for (const step of steps) expect(step.command).toMatch(/^curl /);
  });

  it('answers every curl command of the session as the document says', async () => {
    for (const step of steps) {
      // curl prints the body, then (-w) the status on a line of its own. Not
      // execFileSync: the app answering curl runs in this process.
      const { stdout: out } = await promisify(execFile)(
        'bash',
        ['-c', `${step.command.trim()} -w '\\n%{http_code}'`],
        {
          env: {
            PATH: process.env.PATH ?? '',
            RUNSTREAM_URL: h.baseUrl,
            TOKEN: WRITE_TOKEN,
            READ_TOKEN,
          },
          encoding: 'utf8',
        },
      );
      const cut = out.lastIndexOf('\n');
      const body: unknown = JSON.parse(out.slice(0, cut));
      const answer = { status: Number(out.slice(cut + 1)), body };
      expect({ command: step.command, ...answer }).toMatchObject({
        command: step.command,
        status: step.status,
        body: step.body,
      });
    }
  });
});
