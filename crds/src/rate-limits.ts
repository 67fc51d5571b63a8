/**
 * `spec.rateLimits[]` of a TaskQueue: at most `limit` task starts per `period`, for one task or
 * the whole queue, across every worker. The operator writes them to the queue's limits bucket
 * (operator/src/taskqueue/rate-limits.ts), where running workers pick them up without a restart.
 */
import { TASK_NAME_MAX_LENGTH, TASK_NAME_PATTERN } from './names.ts';
import { array, duration, int, object, required, string } from './schema.ts';

const rateLimit = object(
  {
    task: string({
      description: 'The task the limit applies to. Unset: every task of the queue together (each task also obeys its own limit).',
      pattern: TASK_NAME_PATTERN,
      patternHint: 'a task name',
      maxLength: TASK_NAME_MAX_LENGTH,
    }),
    limit: required(int({ description: 'Most task starts per period, across all workers of the queue.', minimum: 1, maximum: 1_000_000_000 })),
    // The bounds are the runtime's (DEFAULTS.rateLimitMinPeriodMs / rateLimitMaxPeriodMs).
    period: duration({ description: 'The window the limit counts in, e.g. "1s" or "1m" (fixed windows; see docs/concepts.md, Rate limits).', default: '1s', min: '100ms', max: '1h' }),
  },
  { description: 'One rate limit.' },
);

export const rateLimits = array(rateLimit, {
  description: 'Rate limits, per task or for the whole queue; tasks over a limit wait (they neither fail nor count an attempt). See docs/concepts.md.',
  listType: 'atomic',
  maxItems: 100,
  rules: [
    {
      rule: 'self.all(a, self.exists_one(b, has(a.task) == has(b.task) && (!has(a.task) || a.task == b.task)))',
      message: 'at most one limit per task, and one without a task (the whole queue)',
    },
  ],
});
