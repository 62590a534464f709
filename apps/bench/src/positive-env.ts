/** A positive number from the environment (a bench script's setting), or `fallback` when unset. */
export function positiveEnv(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}
