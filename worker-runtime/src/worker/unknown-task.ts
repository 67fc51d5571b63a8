import { DEFAULTS } from '../defaults.ts';
import type { PeerKnowledge } from './peers.ts';

/** What a worker knows when it receives a task it has no handler for. */
export interface UnknownTaskInput {
  now: number;
  /** The queue's grace period (`unknownTaskGraceMs`). */
  graceMs: number;
  /** When a worker first found this task unknown (`Celeriac-Unknown-Since`), or now. */
  unknownSince: number;
  /** Hand-backs so far (`Celeriac-Handoffs`). */
  handoffs: number;
  peers: PeerKnowledge;
  /** The worker has listened to heartbeats long enough to have heard every live peer. */
  warmedUp: boolean;
}

export type UnknownTaskDecision =
  /** Republish the task for another worker after `pauseMs`, without costing it an attempt. */
  | { kind: 'hand-back'; pauseMs: number }
  | { kind: 'dead'; why: string };

/**
 * Hand back or dead-letter a task this worker cannot run (the rolling-upgrade case: a new pod
 * knows it, this old one does not). A live worker announcing the task always gets its chance,
 * however long the task waits: behind a deep backlog a hand-back may take longer than the grace
 * period to come round. Otherwise the grace period, counted from the first time any worker found
 * the task unknown, bounds the wait for a worker that may come back; when no worker announced
 * the task within it, the task is dead at once, once this worker has heard its peers.
 */
export function decideUnknownTask(i: UnknownTaskInput): UnknownTaskDecision {
  const handBack = { kind: 'hand-back', pauseMs: handoffPause(i.handoffs) } as const;
  if (i.peers === 'live') return { kind: 'hand-back', pauseMs: Math.min(handBack.pauseMs, DEFAULTS.unknownTaskLivePeerMaxPauseMs) };
  const waited = i.now - i.unknownSince;
  if (waited >= i.graceMs) {
    return { kind: 'dead', why: `no worker that knows it ran it within the grace period of ${i.graceMs} ms (unknown for ${waited} ms)` };
  }
  if (i.peers === 'recent' || !i.warmedUp) return handBack;
  return { kind: 'dead', why: 'no worker of the queue has registered it' };
}

/**
 * The first few hand-backs are immediate (the task usually finds a pod that knows it within
 * them); then the pause doubles up to a maximum, so a queue served only by workers that lack the
 * task passes it round at most once per pause, not in a hot loop.
 */
export function handoffPause(handoffs: number): number {
  const paused = handoffs - DEFAULTS.unknownTaskFreeHandoffs;
  if (paused < 0) return 0;
  const doubled = DEFAULTS.unknownTaskHandoffPauseMs * 2 ** Math.min(paused, 30);
  return Math.min(doubled, DEFAULTS.unknownTaskHandoffMaxPauseMs);
}
