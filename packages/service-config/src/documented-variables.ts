/** The README section whose tables list each app's variables. */
export const CONFIGURATION_SECTION = '## Configuration (environment)';

/** The README does not have the table a check looks for. */
export class MissingConfigTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The variables a README documents for one app: every name in backticks in
 * the first column of the first table after the line that names the app's
 * config file (e.g. `apps/worker/src/config.ts`), within the
 * "Configuration (environment)" section. In table order, repeats kept, so a
 * test can compare them with the keys of the app's schema.
 */
export function documentedVariables(markdown: string, configFile: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === CONFIGURATION_SECTION);
  if (start < 0) throw new MissingConfigTableError(`no '${CONFIGURATION_SECTION}' section`);
  const next = lines.findIndex((line, i) => i > start && /^#{1,2} /.test(line));
  const section = lines.slice(start + 1, next < 0 ? undefined : next);

  const intro = section.findIndex((line) => line.includes(`\`${configFile}\``));
  if (intro < 0)
    throw new MissingConfigTableError(
      `no line naming \`${configFile}\` in the configuration section`,
    );
  const header = section.findIndex((line, i) => i > intro && line.startsWith('|'));
  if (header < 0) throw new MissingConfigTableError(`no table after \`${configFile}\``);

  const names: string[] = [];
  // The header row, then the |---| row, then one row per setting.
  for (const row of section.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    const firstCell = row.split('|')[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.push(match[1]!);
  }
  return names;
}
