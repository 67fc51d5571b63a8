import { readQueueState } from 'celeriac/topology';
import { firstLine } from './errors.ts';
import { queueRow, type QueueRow } from './queue-row.ts';
import type { Session } from './session.ts';

/**
 * Every TaskQueue in scope with its live numbers, read in parallel. A queue whose NATS cannot be
 * reached keeps its row (numbers from its status) with the reason, so one bad queue does not hide
 * the others. `lastSeq` comes along for rates (`top`).
 */
export async function readQueues(session: Session): Promise<Array<{ row: QueueRow; lastSeq: number | undefined }>> {
  const [queues, pools] = await Promise.all([session.kube.listQueues(), session.kube.listPools()]);
  return Promise.all(
    queues.map(async (tq) => {
      try {
        const open = await session.open(tq);
        const state = await readQueueState(open.nc, open.queue);
        return { row: queueRow(tq, pools, state), lastSeq: state.lastSeq };
      } catch (e) {
        return { row: queueRow(tq, pools, undefined, firstLine(e)), lastSeq: undefined };
      }
    }),
  );
}
