/** Pure formatting shared by the server's pages and mirrored in static/app.js for live updates. */
export function num(n: number | undefined): string {
  if (n === undefined) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function yesNo(b: boolean | undefined): string {
  return b === undefined ? '–' : b ? 'paused' : 'running';
}

/** An SVG polyline's points for a series scaled into a width x height box (y grows downwards). */
export function polyline(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${Math.round(i * step * 10) / 10},${Math.round((height - (v / max) * height) * 10) / 10}`).join(' ');
}
