import { stringify } from 'yaml';
import { CliError } from './errors.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(`unknown output format ${JSON.stringify(value)}`, `use one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** A table column: its header and how to show a row's value. */
export interface Column<R> {
  header: string;
  value: (row: R) => unknown;
}

/** Pure: rows as a kubectl-style table (upper-case headers, columns padded, `<none>` for empty). */
export function formatTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => cellText(c.value(r))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

function cellText(v: unknown): string {
  if (v === undefined || v === null || v === '') return '<none>';
  if (Array.isArray(v)) return v.length ? v.join(',') : '<none>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Rows as a table, or the data as JSON or YAML for scripts. */
export function render<R>(format: OutputFormat, data: R[] | R, columns: readonly Column<R>[]): string {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  if (format === 'yaml') return stringify(data);
  return formatTable(Array.isArray(data) ? data : [data], columns);
}

/** One object as `key: value` lines (the table form of a single record). */
export function renderRecord(format: OutputFormat, record: object): string {
  if (format !== 'table') return render(format, record, []);
  return stringify(record);
}
