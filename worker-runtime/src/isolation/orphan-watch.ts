import { Worker as Thread } from 'node:worker_threads';
import { DEFAULTS } from '../defaults.ts';

/**
 * Ends this child process once its worker is gone, even while its handler busy-loops. The IPC
 * 'disconnect' event cannot fire then (the main thread's event loop never turns), so a tiny thread
 * of its own polls the parent's pid: a SIGKILLed worker's child is re-parented (to init or a
 * subreaper), its ppid changes, and the thread SIGKILLs the whole process. Unref'd: it never keeps
 * the child alive by itself.
 */
export function exitWhenOrphaned(intervalMs: number = DEFAULTS.isolatedOrphanCheckMs): void {
  const code = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
    }, workerData.intervalMs);
  `;
  new Thread(code, { eval: true, workerData: { parent: process.ppid, intervalMs } }).unref();
}
