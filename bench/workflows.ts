// Workflow overheads (issue 16), one quick run on a local nats-server (memory storage, one
// in-process Worker at concurrency 16, results on): a chord of N no-op members, from
// startWorkflow to the callback's start; and a chain of 10 no-op links, per-link time.
//   node bench/workflows.ts [members=1000] [chains=20]
import { pino } from 'pino';
import { Client, Worker, chain, chord, defineTask, group, sig, startWorkflow } from 'celeriac';
import { startNatsServer } from 'celeriac/testing';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { connect } from '@nats-io/transport-node';
import { natsServerBinary } from '../test/support/binaries.ts';

const members = Number(process.argv[2] ?? 1000);
const chains = Number(process.argv[3] ?? 20);
const LINKS = 10;

const server = await startNatsServer({ binary: natsServerBinary() });
const nc = await connect({ servers: server.url });
const queue = 'wf-bench';
await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
let callbackAt = 0;
const noop = defineTask('noop', (n: number) => n);
const callback = defineTask('callback', (ns: number[]) => ((callbackAt = Date.now()), ns.length));
const worker = new Worker(nc, { queue, tasks: [noop, callback], logger: pino({ level: 'silent' }), heartbeatIntervalMs: 0 });
await worker.start();
const client = new Client(nc, { queue });

const t0 = Date.now();
const wf = await startWorkflow(client, chord(group(Array.from({ length: members }, (_, i) => sig(noop, i))), callback), { queue });
await wf.result({ timeoutMs: 600_000 });
const chordMs = callbackAt - t0;

const c0 = Date.now();
const links = Array.from({ length: LINKS - 1 }, () => noop);
for (let i = 0; i < chains; i++) await (await startWorkflow(client, chain(sig(noop, i), ...links), { queue })).result();
const perLinkMs = (Date.now() - c0) / (chains * LINKS);

console.log(JSON.stringify({ chordMembers: members, chordToCallbackMs: chordMs, perMemberMs: Number((chordMs / members).toFixed(3)), chains, links: LINKS, perLinkMs: Number(perLinkMs.toFixed(3)) }));
await client.close();
await worker.close(1000);
await nc.close();
await server.stop();
