import { groupShards, shardSize, workflowKeys, type GroupState } from './plan.ts';
import type { WorkflowStore } from './store.ts';

/** Adds `index` to the done list under `key` (compare-and-set; an index present stays once). */
function addDone(store: WorkflowStore, key: string, index: number, size: number, shards?: number): Promise<GroupState | undefined> {
  return store.update<GroupState>(key, (cur) => (cur?.done.includes(index) ? undefined : { size, ...(shards ? { shards } : {}), done: [...(cur?.done ?? []), index] }));
}

/**
 * Counts a finished group member; true when, with it, every member has finished (true again for
 * a member counted twice once all are: the caller's next steps are idempotent).
 *
 * A group of up to GROUP_SHARD_MEMBERS members keeps one done list. A bigger one stripes its
 * members over shards (member % shards), each with its own done list, and a shard's list once
 * full adds the shard to the group's list: members finishing together (neighbours, with the
 * worker's concurrency) land on different keys instead of all losing the same compare-and-set
 * and trying again, which made a 1,000-member chord's fan-in grow faster than its size.
 */
export async function countFinished(store: WorkflowStore, workflowId: string, stage: number, size: number, member: number): Promise<boolean> {
  const keys = workflowKeys(workflowId);
  const shards = groupShards(size);
  if (shards === 1) {
    const state = await addDone(store, keys.group(stage), member, size);
    return !!state && state.done.length >= size;
  }
  const shard = member % shards;
  const inShard = shardSize(size, shards, shard);
  const s = await addDone(store, keys.groupShard(stage, shard), member, inShard);
  if (!s || s.done.length < inShard) return false;
  const top = await addDone(store, keys.group(stage), shard, shards, shards);
  return !!top && top.done.length >= shards;
}
