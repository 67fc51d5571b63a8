// OpenTelemetry tracing on a real nats-server with real Workers and the SDK's in-memory exporter:
// one trace from an enqueue to its attempt, a failed attempt and its retry, and one trace from a
// workflow's start through a chord's members to its callback, each span parented by its cause.
import { Writable } from 'node:stream';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chain, chord, defineBatchTask, defineTask, group, sig, startWorkflow, type BatchItem, type TaskDefinition } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { waitFor } from '../support/queue.ts';
import { startQueueWithWorker } from '../support/queue-with-worker.ts';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = () => trace.getTracer('tracing-test');

/** The span's parent span id, whichever field this SDK version keeps it in. */
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('OpenTelemetry tracing on a real nats-server', () => {
  const nats = useNats();
  const cleanup: (() => Promise<unknown>)[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    exporter.reset();
  });

  let flaky = 0;
  const greet = defineTask('greet', (name: string, ctx) => (ctx.log.info({ name }, 'greeting'), `hello ${name}`));
  const flakyTask = defineTask('flaky', () => {
    if (flaky++ === 0) throw new Error('first attempt fails');
    return 'ok';
  }, { retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10 } } });
  const addOne = defineTask('add-one', (n: number) => n + 1);
  const fanOut = defineTask('fan-out', (n: number) => n);
  const sum = defineTask('sum', (ns: number[]) => ns.reduce((a, b) => a + b, 0));
  const insertRows = defineBatchTask(
    'rows.insert',
    (items: ReadonlyArray<BatchItem<string>>) => tracer().startActiveSpan('bulk insert', (span) => (span.end(), items.map((i) => i.payload.length))),
    { batch: { size: 3, maxWaitMs: 5_000 } },
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every type
  const all: TaskDefinition<any, any>[] = [greet, flakyTask, addOne, fanOut, sum, insertRows];

  async function start() {
    return startQueueWithWorker(nats.nc, all, { prefix: 'trace', logger }, cleanup);
  }

  it('carries the trace from enqueue to the attempt: send span, process span, attributes, log fields', async () => {
    const { queue, client } = await start();
    const rootSpan = tracer().startSpan('request');
    const handle = await context.with(trace.setSpan(context.active(), rootSpan), () => client.enqueue(greet, 'ada'));
    expect(await handle.result({ timeoutMs: 10_000 })).toBe('hello ada');
    rootSpan.end();
    const [process] = await waitFor(() => (spansNamed('process greet').length === 1 ? spansNamed('process greet') : undefined));
    const [send] = spansNamed('send greet');
    const traceId = rootSpan.spanContext().traceId;
    expect(send!.spanContext().traceId).toBe(traceId);
    expect(parentOf(send!)).toBe(rootSpan.spanContext().spanId);
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(process!.spanContext().traceId).toBe(traceId);
    expect(parentOf(process!)).toBe(send!.spanContext().spanId);
    expect(process!.kind).toBe(SpanKind.CONSUMER);
    expect(process!.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': `celeriac.${queue}.tasks.greet`,
      'messaging.operation.type': 'process',
      'messaging.message.id': handle.id,
      'celeriac.task.name': 'greet',
      'celeriac.task.id': handle.id,
      'celeriac.task.attempt': 1,
    });
    expect(process!.status.code).toBe(SpanStatusCode.UNSET);
    expect(logLines.find((l) => l.msg === 'greeting')).toMatchObject({ task: 'greet', id: handle.id, traceId });
  });

  it('marks a failed attempt with error status; its retry is a second span of the same trace', async () => {
    const { client } = await start();
    flaky = 0;
    const handle = await client.enqueue(flakyTask, undefined);
    expect(await handle.result({ timeoutMs: 10_000 })).toBe('ok');
    const spans = await waitFor(() => (spansNamed('process flaky').length === 2 ? spansNamed('process flaky') : undefined));
    const [first, second] = spans.sort((a, b) => Number(a.attributes['celeriac.task.attempt']) - Number(b.attributes['celeriac.task.attempt']));
    expect(first!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'first attempt fails' });
    expect(first!.events.map((e) => e.name)).toContain('exception');
    expect(second!.status.code).toBe(SpanStatusCode.UNSET);
    expect(second!.attributes['celeriac.task.attempt']).toBe(2);
    const [send] = spansNamed('send flaky');
    for (const s of [first!, second!]) {
      expect(s.spanContext().traceId).toBe(send!.spanContext().traceId);
      expect(parentOf(s)).toBe(send!.spanContext().spanId);
    }
    expect(logLines.find((l) => l.msg === 'task failed; retrying' && l.id === handle.id)).toMatchObject({ traceId: send!.spanContext().traceId });
  });

  it('keeps one trace from a workflow start through a chord to its callback, each step parented by its cause', async () => {
    const { queue, client } = await start();
    const rootSpan = tracer().startSpan('request');
    const flow = chain(sig(addOne, 1), chord(group([sig(fanOut, 1), sig(fanOut, 2), sig(fanOut, 3)]), sum));
    const wf = await context.with(trace.setSpan(context.active(), rootSpan), () => startWorkflow(client, flow, { queue }));
    expect(await wf.result({ timeoutMs: 10_000 })).toBe(6);
    rootSpan.end();
    const [callback] = await waitFor(() => (spansNamed('process sum').length === 1 ? spansNamed('process sum') : undefined));
    const [start_] = spansNamed('start workflow');
    const [first] = spansNamed('process add-one');
    const members = spansNamed('process fan-out');
    const traceId = rootSpan.spanContext().traceId;
    expect(members).toHaveLength(3);
    for (const s of [start_!, first!, ...members, callback!]) expect(s.spanContext().traceId).toBe(traceId);
    expect(parentOf(start_!)).toBe(rootSpan.spanContext().spanId);
    expect(start_!.attributes['celeriac.workflow.id']).toBe(wf.id);
    expect(parentOf(first!)).toBe(start_!.spanContext().spanId);
    for (const m of members) expect(parentOf(m)).toBe(first!.spanContext().spanId);
    // The member that finished last published the callback: it is the callback's parent.
    const memberIds = members.map((m) => m.spanContext().spanId);
    expect(memberIds).toContain(parentOf(callback!));
  });

  it('gives each batch item its own span, and the batch call a span linked to them that holds the handler\'s spans', async () => {
    const { client } = await start();
    const handles = await client.enqueueMany(insertRows, ['a', 'bb', 'ccc'].map((payload) => ({ payload })));
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual([1, 2, 3]);
    const items = await waitFor(() => (spansNamed('process rows.insert').length === 3 ? spansNamed('process rows.insert') : undefined));
    const sends = spansNamed('send rows.insert');
    for (const item of items) {
      const send = sends.find((x) => x.attributes['celeriac.task.id'] === item.attributes['celeriac.task.id']);
      expect(parentOf(item)).toBe(send!.spanContext().spanId);
    }
    const [batch] = spansNamed('process rows.insert batch');
    expect(batch!.attributes['messaging.batch.message_count']).toBe(3);
    expect(batch!.links.map((l) => l.context.spanId).sort()).toEqual(items.map((i) => i.spanContext().spanId).sort());
    const [insert] = spansNamed('bulk insert');
    expect(parentOf(insert!)).toBe(batch!.spanContext().spanId);
  });
});
