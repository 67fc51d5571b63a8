// The entry of an isolated task's child process (isolation: 'process'); see runner-main.ts.
import { exitWhenOrphaned } from './orphan-watch.ts';
import { serveRunner } from './runner-main.ts';
import type { FromRunner, ToRunner } from './wire.ts';

const send = process.send?.bind(process);
if (!send) throw new Error('process-entry.ts runs only as a forked child with an IPC channel');
// The worker died (even SIGKILLed): nothing is left to report to, so the runner must not linger.
process.on('disconnect', () => process.exit(0));
// ...and while its handler spins, when no event can fire, its watch thread ends it.
exitWhenOrphaned();
serveRunner({ send: (m: FromRunner) => void send(m), onMessage: (fn) => process.on('message', (m) => fn(m as ToRunner)) });
