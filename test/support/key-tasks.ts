// Tasks for test/chaos/key-concurrency-sigkill.test.ts, loaded by celeriac-worker processes.
import { defineTask } from 'celeriac';

/**
 * At most 2 per tenant. `hangFirst`: the first attempt never ends (its worker is killed while it
 * holds its slot); later attempts, and tasks without it, take `ms`.
 */
export const tenantWork = defineTask(
  'keyconc.tenant-work',
  async (p: { tenant: string; ms: number; hangFirst?: boolean }, ctx) => {
    const startedAt = Date.now();
    const ms = p.hangFirst && ctx.attempt === 1 ? 10 * 60_000 : p.ms;
    await new Promise((r) => setTimeout(r, ms));
    return { attempt: ctx.attempt, startedAt };
  },
  { concurrency: { key: (p) => p.tenant, limit: 2 } },
);
