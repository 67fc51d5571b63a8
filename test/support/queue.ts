import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { pino } from 'pino';
import { defaultQueueSettings, ensureQueue, type QueueSettings } from 'celeriac/topology';

let counter = 0;
/** A unique, valid queue name per test so tests sharing a server never see each other's tasks. */
export function uniqueQueue(prefix = 'q'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

export async function connectTo(url: string): Promise<NatsConnection> {
  return connect({ servers: url, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
}

/** Creates a queue's JetStream objects with test-friendly settings (memory storage unless told). */
export async function createQueue(nc: NatsConnection, queue: string, overrides: Partial<QueueSettings> = {}): Promise<QueueSettings> {
  const settings = defaultQueueSettings(queue, { storage: 'memory', ...overrides });
  await ensureQueue(nc, settings);
  return settings;
}

/** A silent logger for tests; set CELERIAC_TEST_LOG=debug to see worker logs. */
export const testLogger = pino({ level: process.env.CELERIAC_TEST_LOG ?? 'silent' });

export async function waitFor<T>(fn: () => T | Promise<T>, opts: { timeoutMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'condition'} (last: ${JSON.stringify(last)})`);
}
