import { queueRow, type QueueRow } from '@celeriac/cli';
import type { WorkerPool } from '@celeriac/crds';
import type { Point } from './history.ts';
import type { LiveWorker, QueueWatch } from './queue-watch.ts';

/** A queue as the overview, its JSON and its live stream show it. */
export interface QueueSummary extends QueueRow {
  /** Tasks enqueued per second over the last poll; absent until two polls. */
  arrival?: number;
  /** Tasks that left the backlog per second (done, dead-lettered or purged). */
  completion?: number;
  /** Workers heard on the queue's heartbeat subject (any process, in a pool or not). */
  liveWorkers: number;
  /** The queue's worker pods over the last two minutes, one value per PODS_TREND_STEP samples: the overview's trend. */
  pods: number[];
}

export interface QueueDetail {
  summary: QueueSummary;
  history: Point[];
  workers: LiveWorker[];
}

export interface PoolSummary {
  namespace: string;
  name: string;
  queue: string;
  ready: number;
  replicas: number;
  min?: number;
  max?: number;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The overview sends every queue's summary each second: its pods trend keeps one sample in four
 * (30 values for two minutes, enough for a sparkline), not the chart's 120.
 */
const PODS_TREND_STEP = 4;

export function podsTrend(points: readonly { replicas: number }[]): number[] {
  const out: number[] = [];
  if (points.length === 0) return out;
  for (let i = (points.length - 1) % PODS_TREND_STEP; i < points.length; i += PODS_TREND_STEP) out.push(points[i]!.replicas);
  return out;
}

export function summarize(w: QueueWatch, pools: readonly WorkerPool[], now = Date.now()): QueueSummary {
  const row = { ...queueRow(w.tq, pools, w.state, w.error), liveWorkers: w.liveWorkers(now).length, pods: podsTrend(w.history.points) };
  // The live consumer says whether it is paused (pauseQueue or spec.paused); the status may lag.
  if (w.state?.paused !== undefined) row.paused = w.state.paused;
  const r = w.history.rates;
  return r ? { ...row, arrival: round(r.arrival), completion: round(r.completion) } : row;
}

export function detail(w: QueueWatch, pools: readonly WorkerPool[], now: number): QueueDetail {
  return { summary: summarize(w, pools, now), history: w.history.points, workers: w.liveWorkers(now) };
}

/** The pods (status.replicas) of the WorkerPools on a queue, summed: a queue may have several. */
export function podsOfQueue(pools: readonly WorkerPool[], q: { namespace: string; name: string }): number {
  let n = 0;
  for (const p of pools) if ((p.metadata.namespace ?? 'default') === q.namespace && p.spec.queue === q.name) n += p.status?.replicas ?? 0;
  return n;
}

export function poolSummary(p: WorkerPool): PoolSummary {
  const a = p.spec.autoscaling;
  return {
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    queue: p.spec.queue,
    ready: p.status?.readyReplicas ?? 0,
    replicas: p.status?.replicas ?? 0,
    ...(a ? { min: a.minReplicas, max: a.maxReplicas } : {}),
  };
}
