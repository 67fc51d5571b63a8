// The entry of an isolated task's worker thread (isolation: 'thread'); see runner-main.ts.
import { parentPort } from 'node:worker_threads';
import { serveRunner } from './runner-main.ts';
import type { ToRunner } from './wire.ts';

const port = parentPort;
if (!port) throw new Error('thread-entry.ts runs only as a worker thread');
serveRunner({ send: (m) => port.postMessage(m), onMessage: (fn) => port.on('message', (m: ToRunner) => fn(m)) });
