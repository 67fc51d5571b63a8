import { pino, type Logger } from 'pino';
import { isTask } from '../cli/load-tasks.ts';
import type { TaskContext, TaskHandler } from '../task.ts';
import { fromWireError, toWireError, type FromRunner, type ToRunner, type WireContext } from './wire.ts';

/** How the runner talks to its worker: a thread's parentPort or a child's IPC channel. */
export interface RunnerPort {
  send(m: FromRunner): void;
  onMessage(fn: (m: ToRunner) => void): void;
}

/**
 * The inside of an isolated runner: imports the task's module, finds the task by name, then runs
 * one attempt at a time as the worker sends them. The runner is warm between attempts (the module
 * stays loaded); the worker kills it at the hard limit and starts another.
 */
export function serveRunner(port: RunnerPort): void {
  let handler: TaskHandler<unknown, unknown> | undefined;
  let log: Logger | undefined;
  let controller: AbortController | undefined;
  port.onMessage((m) => {
    if (m.type === 'init') {
      log = pino({ name: 'celeriac-isolated', level: m.logLevel });
      loadHandler(m.module, m.task).then(
        (h) => {
          handler = h;
          port.send({ type: 'ready' });
        },
        (err: unknown) => port.send({ type: 'setup-failed', error: toWireError(err) }),
      );
    } else if (m.type === 'run' && handler && log) {
      controller = new AbortController();
      void runOne(port, handler, m.payload, runnerContext(m.ctx, controller.signal, log, port));
    } else if (m.type === 'abort') {
      controller?.abort(fromWireError(m.reason));
    }
  });
}

async function loadHandler(module: string, task: string): Promise<TaskHandler<unknown, unknown>> {
  const mod = (await import(module)) as Record<string, unknown>;
  const values = Object.values(mod).flatMap((v) => (Array.isArray(v) ? v : [v]));
  const def = values.find((v) => isTask(v) && v.name === task);
  if (!def || !isTask(def)) throw new Error(`module ${module} exports no task named ${task}: export the result of defineTask()`);
  return def.handler as TaskHandler<unknown, unknown>;
}

async function runOne(port: RunnerPort, handler: TaskHandler<unknown, unknown>, payload: unknown, ctx: TaskContext): Promise<void> {
  let value: unknown;
  try {
    value = await handler(payload, ctx);
  } catch (err) {
    port.send({ type: 'done', ok: false, error: toWireError(err) });
    return;
  }
  try {
    port.send({ type: 'done', ok: true, value });
  } catch (err) {
    // Structured clone refused it (a function, a socket): it could never be returned, so retrying cannot help.
    port.send({ type: 'done', ok: false, error: { name: 'PermanentError', message: `result cannot leave the isolated task: ${(err as Error).message}`, permanent: true } });
  }
}

/** A handler's ctx inside the runner: the attempt's facts, a signal the worker fires by message, progress sent to the worker. */
function runnerContext(c: WireContext, signal: AbortSignal, base: Logger, port: RunnerPort): TaskContext {
  let log: Logger | undefined;
  return {
    ...c,
    signal,
    get log() {
      return (log ??= base.child({ task: c.name, id: c.id }));
    },
    // Sent, not awaited: the worker writes it to the result backend as it does for in-process tasks.
    progress: (value: unknown) => Promise.resolve(port.send({ type: 'progress', value })),
    // The worker extends the ack deadline of a running isolated task by itself.
    working: () => undefined,
  };
}
