import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from 'celeriac';
import { isNotFound } from 'celeriac/topology';
import { queueNameOf, type TaskQueue } from '@celeriac/crds';
import { CliError, firstLine } from './errors.ts';
import { Kube, type KubeFlags } from './kube.ts';
import { natsTargetOf, PORT_FORWARD_HINT, type NatsFlags } from './nats-target.ts';
import type { OutputFormat } from './output.ts';

export interface GlobalFlags extends KubeFlags, NatsFlags {
  output: OutputFormat;
}

/** A TaskQueue with its queue name in NATS and a connection to its NATS. */
export interface OpenQueue {
  tq: TaskQueue;
  namespace: string;
  /** The queue's name in NATS (spec.queueName or metadata.name). */
  queue: string;
  nc: NatsConnection;
}

/** A CLI gives up on an unreachable NATS quickly rather than retrying like a worker. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * One command's view of the world: the Kubernetes API and the NATS connections of the queues it
 * touched, shared between queues with the same servers and Secret, all closed by `close()`.
 */
export class Session {
  readonly kube: Kube;
  readonly flags: GlobalFlags;
  private readonly connections = new Map<string, Promise<NatsConnection>>();
  /** The queues this command opened, to name the one a JetStream error is about. */
  private readonly opened: OpenQueue[] = [];

  constructor(flags: GlobalFlags) {
    this.flags = flags;
    this.kube = new Kube(flags);
  }

  /** The named TaskQueue of the current namespace, connected. */
  async queue(name: string): Promise<OpenQueue> {
    return this.open(await this.kube.getQueue(name));
  }

  async open(tq: TaskQueue): Promise<OpenQueue> {
    const namespace = tq.metadata.namespace ?? this.kube.namespace;
    const ref = tq.spec.nats?.secretRef?.name;
    const secret = ref ? await this.kube.readSecret(namespace, ref, tq.metadata.name) : undefined;
    const target = natsTargetOf(tq, secret, this.flags, process.env);
    let nc = this.connections.get(target.key);
    if (!nc) {
      nc = connectNats(target.settings, { ...target.extra, reconnect: false, timeout: CONNECT_TIMEOUT_MS }).catch((e: unknown) => {
        throw new CliError(`cannot connect to NATS at ${target.where} for taskqueue ${tq.metadata.name} in namespace ${namespace}: ${firstLine(e)}`, PORT_FORWARD_HINT);
      });
      this.connections.set(target.key, nc);
    }
    const open = { tq, namespace, queue: queueNameOf(tq), nc: await nc };
    this.opened.push(open);
    return open;
  }

  /**
   * A missing stream or consumer, on a command about one queue, becomes an error naming that
   * queue: the operator has not made its stream (yet), which its Ready condition explains.
   */
  explain(e: unknown): unknown {
    const only = this.opened.length === 1 ? this.opened[0]! : undefined;
    if (!only || !isNotFound(e)) return e;
    const name = only.tq.metadata.name;
    return new CliError(
      `taskqueue ${name} in namespace ${only.namespace} has no stream or consumer in NATS (queue ${only.queue})`,
      `the operator has not created them, or the queue is on another NATS: kubectl describe tq ${name} -n ${only.namespace}`,
    );
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.connections.values());
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
