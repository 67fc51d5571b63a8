import { describe, expect, it } from 'vitest';
import { PermanentError, TaskFailedError } from '../errors.ts';
import { EagerClient } from '../testing/eager.ts';
import { defineBatchTask, type BatchItem } from './define.ts';

describe('defineBatchTask', () => {
  it('refuses batch options out of range, naming the field', () => {
    const h = () => undefined;
    expect(() => defineBatchTask('t', h, { batch: { size: 0, maxWaitMs: 10 } })).toThrow(/batch.size/);
    expect(() => defineBatchTask('t', h, { batch: { size: 1.5, maxWaitMs: 10 } })).toThrow(/batch.size/);
    expect(() => defineBatchTask('t', h, { batch: { size: 10, maxWaitMs: -1 } })).toThrow(/batch.maxWaitMs/);
    expect(() => defineBatchTask('t', h, { batch: { size: 10, maxWaitMs: 120_000 } })).toThrow(/batch.maxWaitMs/);
    // @ts-expect-error batch is required
    expect(() => defineBatchTask('t', h, {})).toThrow(/batch: \{ size, maxWaitMs \} is required/);
  });

  it('runs in the eager client, each item with its own outcome', async () => {
    const double = defineBatchTask('double', (items: ReadonlyArray<BatchItem<number>>) => items.map((i) => (i.payload < 0 ? new PermanentError('negative') : i.payload * 2)), {
      batch: { size: 2, maxWaitMs: 10 },
    });
    const client = new EagerClient();
    const [a, b] = await client.enqueueMany(double, [{ payload: 2 }, { payload: -1 }]);
    expect(await a!.result()).toBe(4);
    await expect(b!.result()).rejects.toBeInstanceOf(TaskFailedError);
  });
});
