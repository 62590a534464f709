import { MissingConfigTableError, documentedVariables } from './documented-variables';

const README = `# Project

## Configuration (environment)

Ingest (\`apps/ingest/src/config.ts\`, parsed once):

| variable                    | default        | meaning             |
| --------------------------- | -------------- | ------------------- |
| \`PORT\`, \`HOST\`              | \`8080\`, any   | where it listens    |
| \`S3_BUCKET\` (required)      | —              | the bucket; \`NOT_ME\` |

### Worker

Worker (\`apps/worker/src/config.ts\`):

| variable    | default |
| ----------- | ------- |
| \`REDIS_URL\` | local   |

## Dashboard (\`apps/dashboard/src/config.ts\`)

| variable |
| -------- |
| \`BASE_PATH\` |
`;

describe('documentedVariables', () => {
  it('reads the first column of the table after the line naming the config file', () => {
    expect(documentedVariables(README, 'apps/ingest/src/config.ts')).toEqual([
      'PORT',
      'HOST',
      'S3_BUCKET',
    ]);
    expect(documentedVariables(README, 'apps/worker/src/config.ts')).toEqual(['REDIS_URL']);
  });

  it('looks only inside the configuration section', () => {
    expect(() => documentedVariables(README, 'apps/dashboard/src/config.ts')).toThrow(
      MissingConfigTableError,
    );
    expect(() => documentedVariables('# Project\n', 'apps/ingest/src/config.ts')).toThrow(
      /no '## Configuration \(environment\)' section/,
    );
  });
});
