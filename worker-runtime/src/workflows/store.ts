import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { queueNames } from '../protocol.ts';
import { workflowKeys, type WorkflowPlan, type WorkflowRecord } from './plan.ts';

const decoder = new TextDecoder();

/** Plans never change: a worker keeps this many in memory so a group's members read theirs once. */
const PLAN_CACHE_SIZE = 1_000;

/** The longest pause between compare-and-set tries on a contended key (ms). */
const CAS_BACKOFF_MAX_MS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown when the queue has no workflow bucket: `ensureQueue` (or the operator) creates it. */
export class WorkflowsUnavailableError extends Error {
  override readonly name = 'WorkflowsUnavailableError';
}

/** True when a compare-and-set lost: someone else wrote the key since it was read. */
function lostRace(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** The workflow bucket of one queue: plans, group states and workflow records. */
export class WorkflowStore {
  private bucket: Promise<KV> | undefined;
  private readonly plans = new Map<string, WorkflowPlan>();
  private readonly nc: NatsConnection;
  readonly queue: string;

  constructor(nc: NatsConnection, queue: string) {
    this.nc = nc;
    this.queue = queue;
  }

  kv(): Promise<KV> {
    const name = queueNames(this.queue).workflowBucket;
    this.bucket ??= new Kvm(this.nc).open(name).then(async (kv) => {
      await kv.status().catch(() => {
        this.bucket = undefined; // the operator may create it later: look again next time
        throw new WorkflowsUnavailableError(`queue ${this.queue} has no workflow bucket ${name} (run ensureQueue)`);
      });
      return kv;
    });
    return this.bucket;
  }

  async read<T>(key: string): Promise<T | undefined> {
    const entry = await (await this.kv()).get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return JSON.parse(decoder.decode(entry.value)) as T;
  }

  async plan(id: string): Promise<WorkflowPlan | undefined> {
    const cached = this.plans.get(id);
    if (cached) return cached;
    const plan = await this.read<WorkflowPlan>(workflowKeys(id).plan);
    if (plan) {
      if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(id, plan);
    }
    return plan;
  }

  /** Writes the plan once; false when a plan with that id exists (a repeated start). */
  async createPlan(plan: WorkflowPlan): Promise<boolean> {
    try {
      await (await this.kv()).create(workflowKeys(plan.id).plan, JSON.stringify(plan));
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /** Writes `value` under `key` unless the key exists; returns what the key holds (the first value written). */
  async createOnce<T>(key: string, value: T): Promise<T> {
    try {
      await (await this.kv()).create(key, JSON.stringify(value));
      return value;
    } catch (e) {
      if (!lostRace(e)) throw e;
      return (await this.read<T>(key)) ?? value;
    }
  }

  /**
   * Compare-and-set: reads the key, lets `change` compute the new value (undefined = leave it),
   * writes it only if nobody wrote in between, and tries again when somebody did. Returns the
   * value the key holds afterwards.
   */
  async update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const kv = await this.kv();
    for (let conflicts = 0; ; conflicts++) {
      // Members of one group finishing together all write its key: back off with jitter, so
      // each round has few contenders instead of all of them losing to one and trying again.
      if (conflicts > 0) await sleep(Math.random() * Math.min(CAS_BACKOFF_MAX_MS, 2 ** conflicts));
      const entry = await kv.get(key);
      const current = entry?.operation === 'PUT' ? (JSON.parse(decoder.decode(entry.value)) as T) : undefined;
      const next = change(current);
      if (next === undefined) return current;
      try {
        if (entry) await kv.update(key, JSON.stringify(next), entry.revision);
        else await kv.create(key, JSON.stringify(next));
        return next;
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
    }
  }

  /** Moves the workflow record forward: a final state stays, a stage never goes back. */
  advanceRecord(next: WorkflowRecord): Promise<WorkflowRecord | undefined> {
    return this.update<WorkflowRecord>(workflowKeys(next.id).state, (cur) => {
      if (cur && cur.state !== 'running') return undefined;
      if (cur && next.state === 'running' && next.stage <= cur.stage) return undefined;
      return next;
    });
  }
}
