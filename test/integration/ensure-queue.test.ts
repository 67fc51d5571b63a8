// ensureQueue (celeriac/topology), the one way a queue is set up: the operator's reconcile, tests,
// the demo and apps without the operator all call it. Its report is what the operator turns into
// conditions and events.
import { StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { deadLetterSubject, queueNames, taskSubject } from 'celeriac/protocol';
import { cancelBucketName, defaultQueueSettings, ensureQueue, pauseQueue, rateCounterStreamName, rateLimitBucketName, readQueueState, slotBucketName } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { uniqueQueue } from '../support/queue.ts';

describe('ensureQueue on a real nats-server', () => {
  const nats = useNats();

  it('creates the stream, consumer, dead-letter stream, result, cancel, workflow, rate-limit and slot objects, then reports no change', async () => {
    const queue = uniqueQueue('ensure');
    const n = queueNames(queue);
    const settings = defaultQueueSettings(queue, { storage: 'memory' });
    expect(await ensureQueue(nats.nc, settings)).toEqual({
      created: [`stream/${n.stream}`, `stream/${n.deadLetterStream}`, `consumer/${n.consumer}`, `kv/${n.resultBucket}`, `kv/${cancelBucketName(queue)}`, `kv/${n.workflowBucket}`, `stream/${rateCounterStreamName(queue)}`, `kv/${rateLimitBucketName(queue)}`, `kv/${slotBucketName(queue)}`],
      updated: [],
      deleted: [],
      unchangeable: [],
      state: { pending: 0, ackPending: 0, deadLetters: 0, lastSeq: 0, paused: false },
    });
    expect(await ensureQueue(nats.nc, settings)).toMatchObject({ created: [], updated: [], deleted: [], unchangeable: [] });
  });

  it('turns fast batches on for the result bucket only, and leaves a mirrored result bucket without them (the server refuses batches on a mirror)', async () => {
    const jsm = await jetstreamManager(nats.nc);
    const queue = uniqueQueue('ensure');
    const n = queueNames(queue);
    await ensureQueue(nats.nc, defaultQueueSettings(queue, { storage: 'memory' }));
    expect((await jsm.streams.info(`KV_${n.resultBucket}`)).config.allow_batched).toBe(true);
    expect((await jsm.streams.info(`KV_${cancelBucketName(queue)}`)).config.allow_batched ?? false).toBe(false);
    // Made in one request, as Kvm.create would make it: field by field the same as a bucket Kvm made.
    const settings = defaultQueueSettings(queue, { storage: 'memory' });
    const twin = uniqueQueue('twin');
    await new Kvm(nats.nc).create(twin, { ttl: settings.results.ttlMs, replicas: settings.replicas, storage: StorageType.Memory, history: 1 });
    const ours = (await jsm.streams.info(`KV_${n.resultBucket}`)).config;
    const kvms = (await jsm.streams.info(`KV_${twin}`)).config;
    const fields = ['retention', 'max_msgs_per_subject', 'max_msgs', 'max_bytes', 'max_msg_size', 'max_age', 'storage', 'discard', 'allow_direct', 'mirror_direct', 'num_replicas', 'allow_rollup_hdrs', 'deny_delete', 'deny_purge', 'allow_msg_ttl', 'duplicate_window'] as const;
    for (const f of fields) expect([f, ours[f]]).toEqual([f, kvms[f]]);
    expect(ours.subjects).toEqual([`$KV.${n.resultBucket}.>`]);
    const kv = await new Kvm(nats.nc).open(n.resultBucket);
    await kv.put('t1', '{"state":"succeeded"}');
    expect((await kv.get('t1'))?.string()).toBe('{"state":"succeeded"}');

    const mirrored = uniqueQueue('ensure');
    const origin = uniqueQueue('origin');
    await new Kvm(nats.nc).create(origin, { history: 1 });
    await new Kvm(nats.nc).create(queueNames(mirrored).resultBucket, { mirror: { name: origin } });
    const report = await ensureQueue(nats.nc, defaultQueueSettings(mirrored, { storage: 'memory' }));
    expect(report.created).not.toContain(`kv/${queueNames(mirrored).resultBucket}`);
    expect((await jsm.streams.info(`KV_${queueNames(mirrored).resultBucket}`)).config.allow_batched ?? false).toBe(false);
  });

  it("answers the queue's numbers as readQueueState reads them, without a second read", async () => {
    const queue = uniqueQueue('ensure');
    const settings = defaultQueueSettings(queue, { storage: 'memory' });
    await ensureQueue(nats.nc, settings);
    const js = jetstream(nats.nc);
    for (let i = 0; i < 3; i++) await js.publish(taskSubject(queue, 'noop'), new Uint8Array());
    await js.publish(deadLetterSubject(queue, 'noop'), new Uint8Array());
    await pauseQueue(nats.nc, queue);
    const { state } = await ensureQueue(nats.nc, settings);
    expect(state).toEqual({ pending: 3, ackPending: 0, deadLetters: 1, lastSeq: 3, paused: true });
    expect(state).toEqual(await readQueueState(nats.nc, queue));
  });

  it('updates what JetStream can change and reports what it cannot', async () => {
    const queue = uniqueQueue('ensure');
    const n = queueNames(queue);
    await ensureQueue(nats.nc, defaultQueueSettings(queue, { storage: 'memory' }));
    const report = await ensureQueue(nats.nc, defaultQueueSettings(queue, { storage: 'file', maxMessages: 100, discard: 'old', ackWaitMs: 10_000 }));
    expect(report.updated).toEqual(expect.arrayContaining([`stream/${n.stream}`, `consumer/${n.consumer}`]));
    expect(report.unchangeable).toEqual(expect.arrayContaining([expect.objectContaining({ object: `stream/${n.stream}`, field: 'storage' })]));
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.streams.info(n.stream)).config.max_msgs).toBe(100);
    expect((await jsm.consumers.info(n.stream, n.consumer)).config.ack_wait).toBe(10_000 * 1_000_000);
  });

  it('refuses, and reports, a refusing limit on a stream that holds schedules (nothing is silently dropped)', async () => {
    const queue = uniqueQueue('ensure');
    const n = queueNames(queue);
    await ensureQueue(nats.nc, defaultQueueSettings(queue, { storage: 'memory' }));
    const report = await ensureQueue(nats.nc, defaultQueueSettings(queue, { storage: 'memory', maxMessages: 100, discard: 'new' }));
    expect(report.unchangeable.map((c) => c.field)).toEqual(expect.arrayContaining(['max_msgs', 'discard']));
    const config = (await (await jetstreamManager(nats.nc)).streams.info(n.stream)).config;
    expect(config).toMatchObject({ allow_msg_schedules: true, discard: 'old' });
    expect(config.max_msgs).toBe(-1);
  });

  it('removes the dead-letter stream and the result bucket that the settings turn off', async () => {
    const queue = uniqueQueue('ensure');
    const n = queueNames(queue);
    const base = defaultQueueSettings(queue, { storage: 'memory' });
    await ensureQueue(nats.nc, base);
    const report = await ensureQueue(nats.nc, { ...base, deadLetter: { ...base.deadLetter, enabled: false }, results: { ...base.results, enabled: false } });
    expect(report.deleted).toEqual([`stream/${n.deadLetterStream}`, `stream/KV_${n.resultBucket}`]);
    const jsm = await jetstreamManager(nats.nc);
    const streams: string[] = [];
    for await (const s of jsm.streams.names()) streams.push(s);
    expect(streams).toContain(n.stream);
    expect(streams).not.toContain(n.deadLetterStream);
    expect(streams).not.toContain(`KV_${n.resultBucket}`);
  });
});
