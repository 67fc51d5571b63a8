import type { Logger } from 'pino';
import type { TaskContext } from '../task.ts';
import type { TaskEnvelope } from './envelope.ts';
import type { RegisteredTask, RunDeps } from './run-deps.ts';

/**
 * The parts of a running attempt its context reads. Declared here, and implemented by attempt.ts's
 * Attempt, so that attempt.ts imports this file and not the other way round (no import circle).
 */
export interface AttemptState {
  readonly env: TaskEnvelope;
  readonly reg: RegisteredTask;
  readonly signal: AbortSignal;
  readonly startedAt: number;
  /** The trace the attempt belongs to, for its logs. */
  readonly traceId: string | undefined;
  lastWorking: number;
}

/**
 * What a handler sees of its attempt. A class, so that a task costs one small object here
 * rather than a dozen closures; the costly parts (headers, logger, abort signal) are made on
 * first read.
 */
export class TaskContextImpl implements TaskContext {
  readonly #attempt: AttemptState;
  readonly #deps: RunDeps;
  #log: Logger | undefined;

  constructor(attempt: AttemptState, deps: RunDeps) {
    this.#attempt = attempt;
    this.#deps = deps;
  }

  get id(): string {
    return this.#attempt.env.id;
  }

  get name(): string {
    return this.#attempt.env.task;
  }

  get attempt(): number {
    return this.#attempt.env.attempts;
  }

  get maxAttempts(): number {
    return this.#attempt.reg.retry.maxAttempts;
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.#attempt.env.metadata;
  }

  get signal(): AbortSignal {
    return this.#attempt.signal;
  }

  get log(): Logger {
    return (this.#log ??= this.#deps.log.child({ task: this.name, id: this.id, traceId: this.#attempt.traceId }));
  }

  // The two functions are getters returning closures, made on use: handlers destructure them
  // (`async (p, { progress }) => ...`) and call them unbound.
  get progress(): (value: unknown) => Promise<void> {
    const a = this.#attempt;
    const results = this.#deps.results;
    return async (value) => {
      if (results) await results.write({ ...a.env.record(), state: 'started', startedAt: a.startedAt, updatedAt: Date.now(), progress: value });
    };
  }

  get working(): () => void {
    const a = this.#attempt;
    return () => {
      a.lastWorking = Date.now();
      a.env.msg.working();
    };
  }
}
