import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BenchPayload } from '../payload.ts';
import { deleteStreams } from './jetstream-admin.ts';
import type { Consumer, ConsumeOptions, Endpoints, System } from './system.ts';

const DURABLE = 'bench';
const names = (queue: string) => ({ stream: `RAW_${queue.toUpperCase().replaceAll('-', '_')}`, subject: `raw.${queue}` });

/**
 * The baseline: what a user of @nats-io/jetstream writes by hand. `js.publish` awaited per message,
 * `consume()` with one `ack()` per message, JSON bodies, no headers. Same stream settings as a
 * Celeriac queue (work-queue retention, file storage, 10,000 unacked at most).
 */
export async function openRawJetStream(endpoints: Endpoints): Promise<System> {
  const nc = await connect({ servers: endpoints.natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    name: 'raw-jetstream',
    async createQueue(queue) {
      const n = names(queue);
      await jsm.streams.add({ name: n.stream, subjects: [n.subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
      await jsm.consumers.add(n.stream, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 });
    },
    outstanding: async (queue) => (await jsm.streams.info(names(queue).stream)).state.messages,
    deleteQueue: (queue) => deleteStreams(jsm, [names(queue).stream]),
    async producer(queue) {
      const { subject } = names(queue);
      const enqueue = async (p: BenchPayload) => void (await js.publish(subject, JSON.stringify(p)));
      return {
        enqueue,
        // No bulk API in JetStream: all publishes in flight at once, then every ack awaited.
        enqueueBulk: async (ps) => void (await Promise.all(ps.map(enqueue))),
        close: async () => undefined,
      };
    },
    async consume(queue, opts) {
      const consumer = await js.consumers.get(names(queue).stream, DURABLE);
      const messages = await consumer.consume({ max_messages: opts.prefetch });
      let completed = 0;
      const loop = runLoop(messages, opts, () => completed++);
      return {
        completed: () => completed,
        async close() {
          await messages.close();
          await loop;
        },
      } satisfies Consumer;
    },
    close: () => nc.close(),
  };
}

/** Runs handlers with at most `concurrency` at once; synchronous handlers are acked inline. */
async function runLoop(messages: ConsumerMessages, opts: ConsumeOptions, done: () => void): Promise<void> {
  let running = 0;
  let freed: (() => void) | undefined;
  for await (const m of messages) {
    const r = opts.handler(m.json<BenchPayload>());
    if (!(r instanceof Promise)) {
      m.ack();
      done();
      continue;
    }
    running++;
    void r.then(() => {
      m.ack();
      done();
      running--;
      freed?.();
      freed = undefined;
    });
    if (running >= opts.concurrency) await new Promise<void>((resolve) => (freed = resolve));
  }
}
