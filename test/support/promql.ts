import { parser } from '@prometheus-io/lezer-promql';

/** What one PromQL expression asks Prometheus for, or why it is not valid PromQL. */
export interface QueriedMetrics {
  /** Metric names of every selector, as written (`foo_bucket`, not `foo`). */
  metrics: string[];
  /** Syntax errors and selectors without a metric name, each with its place in the expression. */
  problems: string[];
}

// Grafana replaces these before Prometheus sees the query; any duration parses the same way.
const GRAFANA_INTERVALS = /\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g;
// Template variables stand inside label matcher strings ("$queue"): any text keeps them valid.
const GRAFANA_VARIABLES = /\$\{?\w+\}?/g;

/**
 * The metrics a PromQL expression selects, parsed with the grammar of Prometheus's own UI
 * (lezer-promql), so a misspelt function or a missing bracket is a problem, not a silent miss.
 * A selector without a name (`{__name__=~"..."}`) is a problem too: nothing could check it.
 */
export function queriedMetrics(expr: string): QueriedMetrics {
  const text = expr.replace(GRAFANA_INTERVALS, '5m').replace(GRAFANA_VARIABLES, 'x');
  const metrics: string[] = [];
  const problems: string[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) problems.push(`syntax error at ${node.from}: ${JSON.stringify(text.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name !== 'VectorSelector') return;
      const name = node.node.getChild('Identifier');
      if (name) metrics.push(text.slice(name.from, name.to));
      else problems.push(`selector without a metric name at ${node.from}: ${text.slice(node.from, node.to)}`);
    },
  });
  return { metrics, problems };
}

/**
 * The PromQL inside a Grafana Prometheus variable query: `label_values(<selector>, label)` holds
 * one; `label_values(label)` none. Other query functions are refused so none goes unchecked.
 */
export function variableQueryExpr(query: string): string | undefined {
  const withSelector = /^label_values\((.+),\s*\w+\s*\)$/s.exec(query.trim());
  if (withSelector) return withSelector[1]!;
  if (/^label_values\(\s*\w+\s*\)$/.test(query.trim())) return undefined;
  throw new Error(`unsupported Grafana variable query: ${query}`);
}
