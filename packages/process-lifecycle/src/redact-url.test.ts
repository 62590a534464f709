import { REDACTED, redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['/v1/runs?token=s3cret-s3cret-s3cret', `/v1/runs?token=${REDACTED}`],
    ['/v1/runs?access_token=s3cret&limit=5', `/v1/runs?access_token=${REDACTED}&limit=5`],
    ['/v1/runs?limit=5&ACCESS_TOKEN=s3cret', `/v1/runs?limit=5&ACCESS_TOKEN=${REDACTED}`],
    ['/x?acc%65ss_token=s3cret', `/x?acc%65ss_token=${REDACTED}`],
    ['/x?token', `/x?token=${REDACTED}`],
    ['/x?token=a&token=b', `/x?token=${REDACTED}&token=${REDACTED}`],
    [
      '/x?api_key=k&password=p&X-Amz-Signature=s',
      `/x?api_key=${REDACTED}&password=${REDACTED}&X-Amz-Signature=${REDACTED}`,
    ],
    ['/x?%E0%A4%A=1&token=t', `/x?%E0%A4%A=1&token=${REDACTED}`],
  ])('redacts %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    expect(redactUrl(url)).not.toMatch(/s3cret/);
  });

  it.each([
    '/v1/runs',
    '/v1/runs?status=running&limit=10',
    '/v1/runs/r/samples?variable=tokens&fromSeq=1',
    '/v1/runs/token/variables',
  ])('leaves %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});
