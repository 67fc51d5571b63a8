/** Test helpers for apps built on Celeriac: `import { EagerClient, startNatsServer } from 'celeriac/testing'`. */
export { EagerClient } from './eager.ts';
export type { EagerOptions } from './eager.ts';
export { startNatsServer } from './nats-server.ts';
export type { NatsServer, NatsServerOptions } from './nats-server.ts';
export { freePort } from './free-port.ts';
