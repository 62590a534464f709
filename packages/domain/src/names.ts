/** Run ids are safe in every key and URL as they are. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const MAX_VARIABLE_NAME_BYTES = 256;
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Why a variable name is unacceptable, or undefined when it is fine: any
 * printable UTF-8 (no control characters, no lone surrogates) of 1-256 bytes.
 * Names are never trusted inside keys: see `encodeName`.
 */
export function variableNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'variable name must not be empty';
  if (!name.isWellFormed()) return 'variable name must be valid UTF-8 (no lone surrogates)';
  if (CONTROL_CHARACTER.test(name)) return 'variable name must not contain control characters';
  if (utf8ByteLength(name) > MAX_VARIABLE_NAME_BYTES)
    return `variable name must be at most ${MAX_VARIABLE_NAME_BYTES} bytes of UTF-8`;
  return undefined;
}

/** UTF-8 length of a well-formed string, without Buffer (the viewer runs this in a browser). */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4; // a surrogate pair: one code point above U+FFFF
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Encodes a name so it is one opaque token in a Redis or object key: every
 * byte outside `[A-Za-z0-9_-]` becomes `%XX` (UTF-8). The result never holds
 * `/`, `:`, `{`, `}`, `.` or a bare `%`, so `../x`, `a:b` or `{tag}` cannot
 * escape their place, and it is injective (distinct names, distinct tokens).
 * Callers validate names first (`variableNameProblem`).
 */
export function encodeName(name: string): string {
  return encodeURIComponent(name).replace(
    /[.!~*'()]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function decodeName(encoded: string): string {
  return decodeURIComponent(encoded);
}
