import type { JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ResultRecord } from '../protocol.ts';
import { TaskEnvelope } from './envelope.ts';
import { expireIfPast } from './expiry.ts';
import type { RunDeps } from './run-deps.ts';

const now = 1_800_000_000_000;

/** A delivered message as the worker sees it, with what the worker did to it. */
function delivery(expiresAt: number | undefined) {
  const h = headers();
  h.set('Celeriac-Id', 'task-1');
  if (expiresAt !== undefined) h.set('Celeriac-Expires-At', String(expiresAt));
  const done: string[] = [];
  const msg = {
    subject: 'celeriac.q.tasks.t',
    headers: h,
    info: { deliveryCount: 1, streamSequence: 7 },
    term: (reason: string) => void done.push(`term ${reason}`),
    nak: (delay: number) => void done.push(`nak ${delay}`),
  } as unknown as JsMsg;
  return { env: new TaskEnvelope(msg, 't'), done };
}

function deps(write: (r: ResultRecord) => Promise<boolean>) {
  const written: ResultRecord[] = [];
  const d = {
    results: { write: (r: ResultRecord) => (written.push(r), write(r)) },
    log: pino({ level: 'silent' }),
  } as unknown as RunDeps;
  return { d, written };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('expireIfPast', () => {
  it('leaves a task without an expiry, or not yet expired, to run', () => {
    const { d, written } = deps(() => Promise.resolve(true));
    expect(expireIfPast(delivery(undefined).env, d, () => undefined, now)).toBe(false);
    expect(expireIfPast(delivery(now + 1).env, d, () => undefined, now)).toBe(false);
    expect(written).toEqual([]);
  });

  it('records expired, then terms with the reason, then frees the slot', async () => {
    const { env, done } = delivery(now);
    const { d, written } = deps(() => Promise.resolve(true));
    let released = 0;
    expect(expireIfPast(env, d, () => released++, now)).toBe(true);
    await settled();
    expect(written).toEqual([expect.objectContaining({ id: 'task-1', task: 't', state: 'expired', attempts: 0, expiresAt: now })]);
    expect(done).toEqual([`term expired: not started by ${new Date(now).toISOString()}`]);
    expect(released).toBe(1);
  });

  it('keeps the message for a later delivery when the record cannot be written', async () => {
    const { env, done } = delivery(now - 5);
    const { d } = deps(() => Promise.reject(new Error('kv down')));
    let released = 0;
    expect(expireIfPast(env, d, () => released++, now)).toBe(true);
    await settled();
    expect(done).toEqual(['nak 1000']);
    expect(released).toBe(1);
  });
});
