// Enqueue a task and await its result. Run a worker first:
//   celeriac-worker --queue emails examples/quickstart/tasks.ts
import { Client } from 'celeriac';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { sendWelcome } from './tasks.ts';

const client = await Client.connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', queue: 'emails' });
// On Kubernetes the operator creates the queue from a TaskQueue; without it, create it here.
await ensureQueue(client.nc, defaultQueueSettings('emails'));

const handle = await client.enqueue(sendWelcome, { to: 'ada@example.com', name: 'Ada' });
const { messageId } = await handle.result({ timeoutMs: 10_000 });
console.log(`task ${handle.id} sent ${messageId}`);

await client.close(); // closes the connection Client.connect opened
