import { describe, expect, it } from 'vitest';
import { FAST_BATCH_OP, fastBatchReply, readBatchAnswer, settle, type BatchItem } from './fast-batch.ts';

describe('fastBatchReply', () => {
  it('starts the batch with its first message, appends the middle ones and commits with the last', () => {
    const ops = [1, 2, 3].map((seq) => fastBatchReply('_INBOX.x', 'B1', seq, 3).split('.').slice(-2, -1)[0]);
    expect(ops).toEqual([FAST_BATCH_OP.start, FAST_BATCH_OP.append, FAST_BATCH_OP.commit].map(String));
    // nats-server's getFastBatch reads <prefix>.<id>.<flow>.<gap mode>.<seq>.<op>.$FI from the end.
    expect(fastBatchReply('_INBOX.x', 'B1', 2, 3)).toBe('_INBOX.x.B1.1000.fail.2.1.$FI');
  });
});

describe('readBatchAnswer', () => {
  it('takes flow acks, gap and per-message error notices as progress', () => {
    expect(readBatchAnswer('{"type":"ack","seq":0,"msgs":500}', false)).toEqual({ ended: false });
    expect(readBatchAnswer('{"type":"gap","last_seq":3,"seq":5}', false)).toEqual({ ended: false });
    expect(readBatchAnswer('{"type":"err","seq":3,"error":{"code":400}}', false)).toEqual({ ended: false });
  });

  it('ends the batch with the count the publish ack gives, or none stored on an error or no responders', () => {
    expect(readBatchAnswer('{"stream":"KV_r","seq":12,"batch":"B1","count":7}', false)).toEqual({ ended: true, stored: 7 });
    expect(readBatchAnswer('{"error":{"code":400,"err_code":10174,"description":"batch publish is disabled"},"stream":"KV_r","seq":0}', false)).toEqual({
      ended: true,
      stored: 0,
      error: 'batch publish is disabled',
    });
    expect(readBatchAnswer('', true)).toMatchObject({ ended: true, stored: 0 });
    expect(readBatchAnswer('not json', false)).toMatchObject({ ended: true, stored: 0 });
  });
});

describe('settle', () => {
  it('calls every done once when one throws, and rethrows the first throw', () => {
    const called: number[] = [];
    const items: BatchItem[] = [0, 1, 2].map((i) => ({
      subject: `s.${i}`,
      data: '',
      done: () => {
        called.push(i);
        if (i === 0) throw new Error('callback failed');
      },
    }));
    expect(() => settle(items, undefined)).toThrow('callback failed');
    expect(called).toEqual([0, 1, 2]);
  });
});
