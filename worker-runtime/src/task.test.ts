import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Client } from './client/client.ts';
import type { TaskHandle } from './client/handle.ts';
import { EagerClient } from './testing/eager.ts';
import { declareTask, defineTask, type PayloadOf, type ResultOf } from './task.ts';

const sendEmail = declareTask<{ to: string }, { messageId: string }>('email.send', { queue: 'emails', retry: { maxAttempts: 2 } });

describe('declareTask', () => {
  it('names a task with its types and options, and no handler', () => {
    expect(sendEmail).toEqual({ name: 'email.send', options: { queue: 'emails', retry: { maxAttempts: 2 } } });
    expect('handler' in sendEmail).toBe(false);
    expectTypeOf<PayloadOf<typeof sendEmail>>().toEqualTypeOf<{ to: string }>();
    expectTypeOf<ResultOf<typeof sendEmail>>().toEqualTypeOf<{ messageId: string }>();
  });

  it('refuses a bad name or option when the module loads, like defineTask', () => {
    expect(() => declareTask('bad name')).toThrow(/invalid task name/);
    expect(() => declareTask('ok', { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('binds a handler with defineTask(declared, handler), options merged over the declared ones', async () => {
    const impl = defineTask(sendEmail, (p) => ({ messageId: `to-${p.to}` }), { timeoutMs: 5000 });
    expect(impl.name).toBe('email.send');
    expect(impl.options).toEqual({ queue: 'emails', retry: { maxAttempts: 2 }, timeoutMs: 5000 });
    expect(await impl.handler({ to: 'ada' }, {} as never)).toEqual({ messageId: 'to-ada' });
  });

  it('type-checks enqueue of a declared task like a defined one', () => {
    // Only compiled (tsc checks test files), never run: each @ts-expect-error fails the type-check if the line is accepted.
    const enqueueing = (client: Client) => {
      expectTypeOf(client.enqueue(sendEmail, { to: 'a@b' })).toEqualTypeOf<Promise<TaskHandle<{ messageId: string }>>>();
      // @ts-expect-error -- wrong payload type
      void client.enqueue(sendEmail, { to: 1 });
      // @ts-expect-error -- missing payload field
      void client.enqueue(sendEmail, {});
      // @ts-expect-error -- items of enqueueMany are checked too
      void client.enqueueMany(sendEmail, [{ payload: { to: 2 } }]);
      // @ts-expect-error -- a handler must take the declared payload
      defineTask(sendEmail, (p: { to: number }) => ({ messageId: String(p.to) }));
      // @ts-expect-error -- and return the declared result
      defineTask(sendEmail, () => ({ id: 'x' }));
    };
    expect(enqueueing).toBeTypeOf('function');
  });

  it('runs in the EagerClient given the definition of its name', async () => {
    const impl = defineTask(sendEmail, (p) => ({ messageId: `to-${p.to}` }));
    const eager = new EagerClient({ tasks: [impl] });
    expect(await (await eager.enqueue(sendEmail, { to: 'ada' })).result()).toEqual({ messageId: 'to-ada' });
    await expect(new EagerClient().enqueue(sendEmail, { to: 'ada' })).rejects.toThrow(/only declared/);
  });
});
