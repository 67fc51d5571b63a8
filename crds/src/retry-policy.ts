import { TASK_QUEUE_DEFAULTS } from './defaults.ts';
import { guardedDurationRule } from './duration.ts';
import { array, bool, duration, enumOf, int, object } from './schema.ts';

const d = TASK_QUEUE_DEFAULTS.retry;

/** Shape shared with the runtime (worker-runtime/src/retry.ts), which takes the durations in ms. */
export const backoff = object(
  {
    type: enumOf(['fixed', 'exponential', 'list'], {
      description:
        'fixed: wait `delay` before every retry; exponential: `delay`, doubling up to `maxDelay`; list: wait `delays[n-1]` after attempt n (the last entry repeats).',
      default: d.type,
    }),
    delay: duration({ description: 'Wait before the first retry (fixed: before every retry).', default: d.delay }),
    maxDelay: duration({ description: 'Ceiling of the exponential wait.', default: d.maxDelay }),
    jitter: bool({
      description: 'Randomise exponential waits (half fixed, half random) so a burst of failures does not retry in lockstep.',
      default: d.jitter,
    }),
    delays: array(duration({ description: 'Wait after the attempt of the same position.' }), {
      description: 'The waits, in order, for type list.',
      maxItems: 50,
    }),
  },
  {
    description: 'How long to wait between attempts.',
    default: {},
    rules: [
      {
        rule: "self.type != 'list' || (has(self.delays) && size(self.delays) > 0)",
        message: 'delays must list at least one duration when type is list',
        fieldPath: '.delays',
        reason: 'FieldValueRequired',
      },
      {
        rule: "self.type == 'list' || !has(self.delays)",
        message: 'delays is only used when type is list',
        fieldPath: '.delays',
        reason: 'FieldValueForbidden',
      },
      {
        rule: `self.type != 'exponential' || ${guardedDurationRule(['self.maxDelay', 'self.delay'], 'duration(self.maxDelay) >= duration(self.delay)')}`,
        message: 'maxDelay must be at least delay',
        fieldPath: '.maxDelay',
      },
    ],
  },
);

export const retryPolicy = object(
  {
    maxAttempts: int({
      description: 'Runs of a task in total, the first included; 1 means no retries. Then the task is dead-lettered.',
      minimum: 1,
      maximum: 1000,
      default: d.maxAttempts,
    }),
    backoff,
  },
  { description: 'Default retry policy of the tasks of this queue; a task definition may override it.', default: {} },
);
