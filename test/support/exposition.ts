/**
 * The series names a Prometheus text exposition (what /metrics serves) makes queryable: from each
 * `# TYPE` line, so a labelled metric with no sample yet counts, plus every sample's name.
 * A histogram is queried as `_bucket`, `_sum` and `_count`, never by its bare name; a summary by
 * its name, `_sum` and `_count`; a counter typed without `_total` (OpenMetrics) as `<name>_total`.
 */
export function exposedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      const [, name, type] = typed as unknown as [string, string, string];
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
      else if (type === 'counter' && !name.endsWith('_total')) names.add(`${name}_total`);
      else names.add(name);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
