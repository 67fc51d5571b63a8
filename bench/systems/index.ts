import type { Endpoints, Lane, System } from './system.ts';

export type { Consumer, ConsumeOptions, Endpoints, Handler, Lane, Producer, System, SystemName, Variant } from './system.ts';
export { SYSTEM_NAMES, VARIANTS, laneLabel } from './system.ts';

/** Loads an adapter on demand, so a bench of the JetStream systems alone never imports bullmq. */
export async function openSystem(lane: Lane, endpoints: Endpoints): Promise<System> {
  switch (lane.system) {
    case 'celeriac':
      return (await import('./celeriac.ts')).openCeleriac(endpoints, lane.variant === 'defaults');
    case 'raw-jetstream':
      return (await import('./raw-jetstream.ts')).openRawJetStream(endpoints, lane.variant === 'batched-acks');
    case 'bullmq':
      return (await import('./bullmq.ts')).openBullMQ(endpoints, lane.variant === 'keep-completed');
  }
}
