/**
 * The consumer side of every scenario, in its own process (as a worker pod is): the producer, in the
 * parent, and the consumer never share an event loop. Driven over the IPC channel of fork().
 */
import type { ConsumeRequest, FromConsumer, ToConsumer } from './consumer-messages.ts';
import { nowUs } from './payload.ts';
import { RunRecorder } from './recorder.ts';
import { StallWatch } from './stalls.ts';
import { laneLabel, openSystem, type System } from './systems/index.ts';

const systems = new Map<string, System>();
const send = (m: FromConsumer) => process.send?.(m);

async function consume(req: ConsumeRequest): Promise<void> {
  const lane = { system: req.system, variant: req.variant };
  let system = systems.get(laneLabel(lane));
  if (!system) systems.set(laneLabel(lane), (system = await openSystem(lane, req.endpoints)));
  const recorder = new RunRecorder(req.expected, req.latency);
  const consumer = await system.consume(req.queue, { concurrency: req.concurrency, prefetch: req.prefetch, handler: recorder.handler(req.task) });
  send({ type: 'consuming' });
  const deadline = Date.now() + req.timeoutMs;
  // Polling every millisecond costs nothing next to the tasks and treats every system alike.
  const watch = new StallWatch();
  while (consumer.completed() < req.expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1));
    watch.tick(nowUs());
  }
  const doneUs = nowUs();
  const completed = consumer.completed();
  await consumer.close();
  send({
    type: 'finished',
    firstStartUs: recorder.firstStartUs,
    doneUs,
    completed,
    timedOut: completed < req.expected,
    check: recorder.check(),
    latency: recorder.latency(watch.stalls),
    stalls: { count: watch.stalls.length, totalMs: watch.totalMs() },
  });
}

process.on('message', (msg: ToConsumer) => {
  if (msg.type === 'exit') {
    void Promise.all([...systems.values()].map((s) => s.close())).finally(() => process.exit(0));
    return;
  }
  consume(msg).catch((e: unknown) => send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
