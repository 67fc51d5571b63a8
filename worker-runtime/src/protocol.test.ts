import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, fairnessBucket, isValidQueueName, isValidTaskName, laneSubject, queueNames, taskNameFromSubject, taskSubject } from './protocol.ts';

describe('protocol names', () => {
  it('derives JetStream names from the queue name', () => {
    expect(queueNames('order-emails')).toEqual({
      queue: 'order-emails',
      stream: 'CELERIAC_ORDER_EMAILS',
      taskSubjects: 'celeriac.order-emails.tasks.>',
      consumer: 'workers',
      deadLetterStream: 'CELERIAC_ORDER_EMAILS_DLQ',
      deadLetterSubjects: 'celeriac.order-emails.dead.>',
      scheduleSubjects: 'celeriac.order-emails.sched.>',
      resultBucket: 'CELERIAC_ORDER_EMAILS_RESULTS',
      workflowBucket: 'CELERIAC_ORDER_EMAILS_WORKFLOWS',
      laneSubjects: 'celeriac.order-emails.lanes.>',
    });
  });

  it('round-trips task names with dots through subjects', () => {
    const s = taskSubject('q', 'email.send.v2');
    expect(s).toBe('celeriac.q.tasks.email.send.v2');
    expect(taskNameFromSubject('q', s)).toBe('email.send.v2');
    expect(taskNameFromSubject('other', s)).toBeUndefined();
  });

  it('keeps lane 0/0 on the plain task subject and parses task names from lane subjects', () => {
    expect(laneSubject('q', 'email.send', 0, 0)).toBe('celeriac.q.tasks.email.send');
    const s = laneSubject('q', 'email.send', 2, 5);
    expect(s).toBe('celeriac.q.lanes.2.5.email.send');
    expect(taskNameFromSubject('q', s)).toBe('email.send');
    expect(taskNameFromSubject('q', 'celeriac.q.lanes.2.5')).toBeUndefined();
    expect(taskNameFromSubject('q', 'celeriac.q.lanes.2')).toBeUndefined();
  });

  it('hashes fairness keys with 32-bit FNV-1a, as other languages must', () => {
    // Reference values of FNV-1a 32: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(fairnessBucket('', 2 ** 32 - 1)).toBe(0x811c9dc5 % (2 ** 32 - 1));
    expect(fairnessBucket('a', 2 ** 32 - 1)).toBe(0xe40c292c);
    expect(fairnessBucket('foobar', 1000)).toBe(0xbf9cf968 % 1000);
    expect(fairnessBucket('tenant-ü', 1)).toBe(0);
  });

  it.each(['', 'UPPER', 'has space', 'a.b', '-lead', 'trail-', 'x'.repeat(64), 'wild*'])('rejects queue name %j', (n) => {
    expect(isValidQueueName(n)).toBe(false);
  });
  it.each(['', 'a b', 'a.>', 'a.*', 'a..b', '.a', 'a.'])('rejects task name %j', (n) => {
    expect(isValidTaskName(n)).toBe(false);
  });
});

describe('bodies', () => {
  it('decodes JSON, treats empty as no payload, and explains what is wrong otherwise', () => {
    expect(decodeJson(encodeJson({ a: [1, 'x'] }))).toEqual({ ok: true, value: { a: [1, 'x'] } });
    expect(decodeJson(new Uint8Array())).toEqual({ ok: true, value: undefined });
    expect(decodeJson(encodeJson(undefined))).toEqual({ ok: true, value: null });
    const bad = decodeJson(new TextEncoder().encode('{oops'));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/not JSON/);
    const binary = decodeJson(new Uint8Array([0xc3, 0x28]));
    expect(!binary.ok && binary.reason).toMatch(/UTF-8/);
  });
});
