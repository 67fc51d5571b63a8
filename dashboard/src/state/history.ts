import { ratesBetween, type Rates, type Sample } from '@celeriac/cli';

/** One point of a queue's charts. */
export interface Point {
  at: number;
  backlog: number;
  arrival: number;
  completion: number;
  /** Pods of the queue's WorkerPools (status.replicas, summed), as last listed. */
  replicas: number;
}

/**
 * A queue's recent samples, as rates per second. Pure and bounded: `limit` points, oldest
 * dropped. Kept in memory only: a restarted dashboard starts its charts empty, and the numbers
 * themselves always come from JetStream.
 */
export class History {
  private readonly limit: number;
  private prev: Sample | undefined;
  readonly points: Point[] = [];
  rates: Rates | undefined;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(sample: Sample, replicas = 0): void {
    this.rates = ratesBetween(this.prev, sample);
    this.prev = sample;
    if (!this.rates) return;
    this.points.push({ at: sample.at, backlog: sample.backlog, arrival: round(this.rates.arrival), completion: round(this.rates.completion), replicas });
    if (this.points.length > this.limit) this.points.splice(0, this.points.length - this.limit);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
