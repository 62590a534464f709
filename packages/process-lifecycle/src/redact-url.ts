/**
 * Query parameters whose values are secrets (a bearer token passed as
 * `?token=` or `?access_token=`, a signature, a password): matched on the
 * decoded name, case-insensitively.
 */
const SECRET_PARAMETER = /token|secret|password|passwd|signature|credential|api[-_]?key|^auth/i;

export const REDACTED = '[REDACTED]';

/**
 * The URL as a log may show it: each secret query parameter's value
 * replaced by `[REDACTED]`, everything else as sent. A request line is
 * logged for every error, and logs travel further than the request did.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAMETER.test(decodeName(rawName)) ? `${rawName}=${REDACTED}` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // a malformed escape: match what was sent
  }
}
