import type { Endpoints, System, SystemName } from './system.ts';

export type { Consumer, ConsumeOptions, Endpoints, Handler, Producer, System, SystemName } from './system.ts';
export { SYSTEM_NAMES } from './system.ts';

/** Loads an adapter on demand, so a bench of the JetStream systems alone never imports bullmq. */
export async function openSystem(name: SystemName, endpoints: Endpoints): Promise<System> {
  switch (name) {
    case 'celeriac':
      return (await import('./celeriac.ts')).openCeleriac(endpoints);
    case 'raw-jetstream':
      return (await import('./raw-jetstream.ts')).openRawJetStream(endpoints);
    case 'bullmq':
      return (await import('./bullmq.ts')).openBullMQ(endpoints);
  }
}
