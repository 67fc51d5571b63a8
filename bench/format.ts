/** Human formats shared by the table and the chart. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '-';
  if (unit.endsWith('/s')) return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value >= 1000 ? `${(value / 1000).toFixed(2)}k` : value.toFixed(0);
  if (unit === 'ms') return value < 10 ? value.toFixed(2) : value.toFixed(1);
  return String(value);
}
