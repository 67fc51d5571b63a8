import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BenchPayload } from '../payload.ts';
import { deleteStreams } from './jetstream-admin.ts';
import type { Consumer, ConsumeOptions, Endpoints, System } from './system.ts';

const DURABLE = 'bench';
const names = (queue: string) => ({ stream: `RAW_${queue.toUpperCase().replaceAll('-', '_')}`, subject: `raw.${queue}` });

/**
 * The baseline: what a user of @nats-io/jetstream writes by hand. `js.publish` awaited per message,
 * `consume()` with one `ack()` per message, JSON bodies, no headers. Same stream settings as a
 * Celeriac queue (work-queue retention, file storage, 10,000 unacked at most). `batchedAcks`: what
 * an expert writes, the acks of one event-loop turn sent together (one socket write), as the
 * Worker does (worker-runtime/src/worker/ack-batch.ts).
 */
export async function openRawJetStream(endpoints: Endpoints, batchedAcks = false): Promise<System> {
  const nc = await connect({ servers: endpoints.natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    name: 'raw-jetstream',
    variant: batchedAcks ? 'batched-acks' : undefined,
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
      const loop = runLoop(messages, opts, batchedAcks ? batchAcks() : (m) => m.ack(), () => completed++);
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

/**
 * nats.js writes its outbound buffer once per microtask checkpoint, which a consume loop reaches
 * between every two messages: acked inline, each ack is a socket write. Queued until
 * `setImmediate`, the acks of everything one socket read delivered leave in one write.
 */
function batchAcks(): (m: JsMsg) => void {
  let pending: JsMsg[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    for (const m of batch) m.ack();
  };
  return (m) => {
    if (pending.push(m) === 1) setImmediate(flush);
  };
}

/** Runs handlers with at most `concurrency` at once; synchronous handlers are acked at once. */
async function runLoop(messages: ConsumerMessages, opts: ConsumeOptions, ack: (m: JsMsg) => void, done: () => void): Promise<void> {
  let running = 0;
  let freed: (() => void) | undefined;
  for await (const m of messages) {
    const r = opts.handler(m.json<BenchPayload>());
    if (!(r instanceof Promise)) {
      ack(m);
      done();
      continue;
    }
    running++;
    void r.then(() => {
      ack(m);
      done();
      running--;
      freed?.();
      freed = undefined;
    });
    if (running >= opts.concurrency) await new Promise<void>((resolve) => (freed = resolve));
  }
}
