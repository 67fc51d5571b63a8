import { describe, expect, it } from 'vitest';
import { readWorkerConfig } from './config.ts';

describe('readWorkerConfig', () => {
  it('reads queue, modules and NATS settings from env and flags', () => {
    const c = readWorkerConfig(['--tasks', 'a.js', 'b.js'], {
      CELERIAC_QUEUE: 'emails',
      CELERIAC_TASK_MODULES: 'c.js, d.js',
      NATS_URL: 'nats://n1:4222,nats://n2:4222',
      NATS_CREDS_FILE: '/var/run/nats/creds',
      CELERIAC_CONCURRENCY: '32',
      CELERIAC_DEFAULT_RETRY: '{"maxAttempts":2}',
      CELERIAC_UNKNOWN_TASK_GRACE_MS: '60000',
      HOSTNAME: 'pod-1',
    });
    expect(c.unknownTaskGraceMs).toBe(60_000);
    expect(c.queue).toBe('emails');
    expect(c.taskModules).toEqual(['a.js', 'b.js', 'c.js', 'd.js']);
    expect(c.nats.servers).toEqual(['nats://n1:4222', 'nats://n2:4222']);
    expect(c.nats.credsFile).toBe('/var/run/nats/creds');
    expect(c.concurrency).toBe(32);
    expect(c.defaultRetry?.maxAttempts).toBe(2);
    expect(c.name).toBe('pod-1');
    expect(c.hardTimeLimitMs).toBeUndefined();
  });

  it('reads a worker-wide hard time limit above the soft one', () => {
    const c = readWorkerConfig(['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_TASK_TIMEOUT_MS: '60000', CELERIAC_HARD_TIME_LIMIT_MS: '90000' });
    expect(c).toMatchObject({ taskTimeoutMs: 60_000, hardTimeLimitMs: 90_000 });
  });

  it.each([
    [[], { CELERIAC_TASK_MODULES: 'a.js' }, /CELERIAC_QUEUE/],
    [[], { CELERIAC_QUEUE: 'q' }, /no task modules/],
    [['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_CONCURRENCY: 'many' }, /CELERIAC_CONCURRENCY/],
    [['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_DEFAULT_RETRY: '{"maxAttempts":0}' }, /CELERIAC_DEFAULT_RETRY/],
    [['--bogus'], { CELERIAC_QUEUE: 'q' }, /--bogus/],
    [['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_UNKNOWN_TASK_GRACE_MS: '10m' }, /CELERIAC_UNKNOWN_TASK_GRACE_MS/],
    [['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_HARD_TIME_LIMIT_MS: '5m' }, /CELERIAC_HARD_TIME_LIMIT_MS must be an integer >= 1, got "5m"/],
    [['a.js'], { CELERIAC_QUEUE: 'q', CELERIAC_HARD_TIME_LIMIT_MS: '60000' }, /CELERIAC_HARD_TIME_LIMIT_MS \(60000\) must exceed CELERIAC_TASK_TIMEOUT_MS \(300000\)/],
  ])('rejects %j %j naming what is wrong', (argv, env, msg) => {
    expect(() => readWorkerConfig(argv, env)).toThrow(msg);
  });
});
