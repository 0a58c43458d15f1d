/** A column of a plain-text table: its header and how a row shows in it. */
export interface Column<T> {
  header: string;
  value(row: T): string | number | null | undefined;
  /** numbers read best right-aligned */
  align?: 'right';
}

/** Rows as an aligned text table with a header line; `-` where a value is missing. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => {
    const v = c.value(r);
    return v === null || v === undefined || v === '' ? '-' : String(v);
  }));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** What `--json` prints: the data alone on stdout, for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The listing commands' shared output: a table for people, the rows themselves as JSON for scripts. */
export function printRows<T>(rows: readonly T[], columns: readonly Column<T>[], json: boolean | undefined): void {
  if (json) printJson(rows);
  else process.stdout.write(rows.length ? formatTable(rows, columns) : '(none)\n');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
