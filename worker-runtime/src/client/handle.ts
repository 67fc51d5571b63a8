import type { ResultRecord } from '../protocol.ts';
import { unwrapResult, type ResultStore } from '../results.ts';
import { DEFAULTS } from '../defaults.ts';

/** What `enqueue` returns: the task's id and a way to get its result. */
export interface TaskHandle<R = unknown> {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  /** Stream sequence of the task message (of its schedule message, for a delayed task). */
  readonly seq: number;
  /** True when an enqueue with the same idempotency key was already in the dedupe window. */
  readonly duplicate: boolean;
  /** Waits for the final state: the handler's return value, or a TaskFailedError. */
  result(opts?: { timeoutMs?: number }): Promise<R>;
  /** The current record; `undefined` means pending (not started, or results off). */
  status(): Promise<ResultRecord | undefined>;
}

export function makeHandle<R>(
  fields: { id: string; task: string; queue: string; seq: number; duplicate: boolean },
  store: ResultStore,
): TaskHandle<R> {
  return {
    ...fields,
    async result(opts) {
      return unwrapResult<R>(await store.waitFinal(fields.id, opts?.timeoutMs ?? DEFAULTS.resultTimeoutMs));
    },
    status() {
      return store.read(fields.id);
    },
  };
}
