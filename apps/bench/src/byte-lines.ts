/** The `\n`-separated lines of a byte stream, as strings (blank lines skipped). */
export async function* lines(blocks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let pending: Buffer | undefined;
  for await (const block of blocks) {
    const buf = pending === undefined ? block : Buffer.concat([pending, block]);
    let from = 0;
    for (let nl = buf.indexOf(0x0a, from); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      if (nl > from) yield buf.toString('utf8', from, nl);
      from = nl + 1;
    }
    pending = from < buf.length ? buf.subarray(from) : undefined;
  }
  if (pending !== undefined && pending.length > 0) yield pending.toString('utf8');
}
