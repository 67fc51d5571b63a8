// The task of test/integration/isolation-orphan.test.ts, in a module of its own so its worker
// process warms one child, not the runners of every isolated task in isolated-tasks.ts.
import { writeFileSync } from 'node:fs';
import { defineTask } from 'celeriac';

/** Writes its process id to `pidFile`, then spins for ever, deaf to everything: only a kill ends it. */
export const spinForever = defineTask(
  'iso.spin-forever',
  (p: { pidFile: string }) => {
    writeFileSync(p.pidFile, String(process.pid));
    for (;;) {
      // busy: the child's event loop never turns again
    }
  },
  { isolation: 'process', module: import.meta.url, timeoutMs: 600_000, hardTimeLimitMs: 900_000, retry: { maxAttempts: 1 } },
);
