/**
 * `spec.schedules[]` of a TaskQueue: periodic tasks (beat) that the NATS server itself fires, and
 * their status. The operator turns each into one schedule message (operator/src/taskqueue/schedules.ts).
 */
import { TASK_NAME_MAX_LENGTH, TASK_NAME_PATTERN } from './names.ts';
import { anyJson, array, bool, dateTime, duration, int, object, required, string } from './schema.ts';

/**
 * Cron: 6 fields (seconds first, the server's form) or 5 (standard cron; the operator adds
 * seconds 0), or a preset. The API server checks the shape; the NATS server parses the
 * expression and a value it refuses is reported in the schedule's status.
 */
export const CRON_PATTERN =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*?/,#-]+( [0-9A-Za-z*?/,#-]+){4,5})$';
/** IANA zone names ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+1") or UTC. */
export const TIME_ZONE_PATTERN = '^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$';
/** Schedule names become a subject token: a DNS label. */
export const SCHEDULE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const schedule = object(
  {
    name: required(
      string({ description: 'Unique within the queue; names the schedule message and the tick task ids.', pattern: SCHEDULE_NAME_PATTERN, patternHint: 'a DNS label', maxLength: 63 }),
    ),
    task: required(
      string({ description: 'The task each tick enqueues.', pattern: TASK_NAME_PATTERN, patternHint: 'a task name', maxLength: TASK_NAME_MAX_LENGTH }),
    ),
    cron: string({
      description:
        'Cron expression: 6 fields with seconds first ("0 30 9 * * MON-FRI"), 5 standard fields (seconds 0), or a preset (@hourly, @daily, ...). Exactly one of cron and every.',
      pattern: CRON_PATTERN,
      patternHint: '5 or 6 cron fields, or @yearly/@monthly/@weekly/@daily/@hourly',
      maxLength: 200,
    }),
    every: duration({ description: 'Fixed interval, e.g. "30s" or "1h". Exactly one of cron and every.', min: '1s' }),
    timeZone: string({
      description: 'IANA time zone the cron expression is read in, e.g. "Europe/Berlin". Unset: UTC. Cron only.',
      pattern: TIME_ZONE_PATTERN,
      patternHint: 'an IANA zone name such as Europe/Berlin, or UTC',
      maxLength: 64,
    }),
    payload: anyJson({ description: 'The payload of every tick\'s task, any JSON. Unset: null.' }),
    expires: duration({ description: 'A tick\'s task not started within this is dropped (per-message TTL). Unset: never.', min: '1s' }),
    suspend: bool({ description: 'True stops the ticks (the schedule message is removed) and keeps the entry.', default: false }),
  },
  {
    description: 'One periodic schedule.',
    rules: [
      { rule: 'has(self.cron) != has(self.every)', message: 'set exactly one of cron and every', fieldPath: '.cron', reason: 'FieldValueInvalid' },
      { rule: '!has(self.timeZone) || has(self.cron)', message: 'timeZone applies to cron only', fieldPath: '.timeZone', reason: 'FieldValueForbidden' },
    ],
  },
);

export const schedules = array(schedule, {
  description: 'Periodic tasks the NATS server enqueues on a cron expression or interval (beat). See docs/concepts.md.',
  listType: 'map',
  mapKeys: ['name'],
  maxItems: 200,
});

const scheduleStatus = object(
  {
    name: required(string({ description: 'The schedule\'s name.' })),
    nextFireTime: dateTime({ description: 'When the server fires the next tick.' }),
    lastFireTime: dateTime({ description: 'When the last tick whose result was stored was enqueued.' }),
    lastTaskId: string({ description: 'Task id of that tick (results on only).' }),
    message: string({ description: 'Why the schedule is not in effect, when it is not.' }),
  },
  { description: 'One schedule as the operator last saw it.' },
);

export const schedulesStatus = {
  scheduleCount: int({ description: 'Schedules in the spec that are in effect (not suspended).', minimum: 0 }),
  schedules: array(scheduleStatus, { description: 'Per schedule: next and last fire time, last task id.', listType: 'map', mapKeys: ['name'] }),
};
