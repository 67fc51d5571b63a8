import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, isValidQueueName, isValidTaskName, queueNames, taskNameFromSubject, taskSubject } from './protocol.ts';

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
    });
  });

  it('round-trips task names with dots through subjects', () => {
    const s = taskSubject('q', 'email.send.v2');
    expect(s).toBe('celeriac.q.tasks.email.send.v2');
    expect(taskNameFromSubject('q', s)).toBe('email.send.v2');
    expect(taskNameFromSubject('other', s)).toBeUndefined();
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
