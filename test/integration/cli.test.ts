// `kubectl celeriac` run as a process, as a user runs it: KUBECONFIG of a real API server with the
// CRDs, a real operator making the queues, a real nats-server, a real Worker running the tasks.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, PermanentError, Worker, declareTask, defineTask } from 'celeriac';
import { isQueuePaused, readQueueState } from 'celeriac/topology';
import { fairnessBucket, queueNames } from 'celeriac/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import { usersConfig } from '../support/connz.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { useCrds, useOperators, freshNamespace, kubectlOk } from '../support/operator.ts';
import { testLogger, waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';

const BIN = new URL('../../cli/bin/kubectl-celeriac.js', import.meta.url).pathname;
/** Each CLI run is a Node process start (1-2 s on the shared two-core machine), and tests run several. */
const CLI_TEST_TIMEOUT_MS = 120_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl celeriac against a real API server, operator and nats-server', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators = useOperators(cp);
  const workers: Worker[] = [];
  let ns: string;
  /** Flipped by the test: the flaky task fails for good (dead letter) until it is allowed to pass. */
  let flakyFails = true;
  const double = defineTask('cli.double', (p: { n: number }) => p.n * 2);
  const flaky = defineTask('cli.flaky', (p: { n: number }) => {
    if (flakyFails) throw new PermanentError(`refused ${p.n}`);
    return 'ok';
  });

  /** Runs the CLI in its own process with the control plane's kubeconfig; NATS_URL for queues without spec.nats. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, KUBECONFIG: cp().kubeconfigPath, NATS_URL: nats.server.url, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '-o', 'json']);
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  /** waitFor with room for a few CLI runs: each poll here is a process start. */
  const eventually = <T>(fn: () => Promise<T>) => waitFor(fn, { timeoutMs: 30_000 });
  const applyQueue = (namespace: string, name: string, spec: Record<string, unknown> = {}) =>
    kubectlOk(cp(), ['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name }, spec: { queueName: `${name}-${namespace}`, storage: 'Memory', ...spec } }));
  const waitReady = (namespace: string, name: string) => kubectlOk(cp(), ['wait', '-n', namespace, '--for=condition=Ready', `tq/${name}`, '--timeout=30s']);

  useCrds(cp);
  beforeAll(async () => {
    ns = await freshNamespace(cp(), 'cli');
    await operators.start(nats.server.url, { namespace: ns });
    await applyQueue(ns, 'billing');
    await applyQueue(ns, 'idle');
    await Promise.all([waitReady(ns, 'billing'), waitReady(ns, 'idle')]);
    const worker = new Worker(nats.nc, { queue: `billing-${ns}`, tasks: [double, flaky], name: 'billing-worker-0', logger: testLogger, heartbeatIntervalMs: 200 });
    workers.push(worker);
    await worker.start();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close(1000)));
  });

  it('has --help with an example on every command', async () => {
    for (const cmd of [[], ['queues'], ['workers'], ['task'], ['enqueue'], ['dead'], ['dead', 'list'], ['dead', 'show'], ['dead', 'replay'], ['dead', 'purge'], ['purge'], ['pause'], ['resume'], ['cancel'], ['rate-limit'], ['top']]) {
      const r = await cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/Examples?:\n {2}kubectl celeriac /);
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('names a missing queue and says how to list them', async () => {
    const r = await cli(['task', 'some-id', '--queue', 'nope', '-n', ns]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: taskqueue nope not found in namespace ${ns}`);
    expect(r.stderr).toContain('kubectl get tq -A lists them');

    const context = await cli(['queues', '--context', 'nope']);
    expect(context.stderr).toContain('context nope not found in the kubeconfig');

    // A TaskQueue no operator has reconciled (this namespace has none): no stream in NATS yet.
    const bare = await freshNamespace(cp(), 'clibare');
    await applyQueue(bare, 'orphan');
    const noStream = await cli(['dead', 'list', 'orphan', '-n', bare]);
    expect(noStream.code).toBe(1);
    expect(noStream.stderr).toContain(`error: taskqueue orphan in namespace ${bare} has no stream or consumer in NATS`);
    expect(noStream.stderr).toContain(`kubectl describe tq orphan -n ${bare}`);
  }, CLI_TEST_TIMEOUT_MS);

  it('enqueues a task that a worker runs, then shows its result record', async () => {
    const enq = await json<{ id: string; seq: number; duplicate: boolean }>(['enqueue', 'billing', 'cli.double', '{"n":21}', '-n', ns, '--idempotency-key', 'k-1', '--metadata', 'source=cli']);
    expect(enq.duplicate).toBe(false);
    const again = await json<{ id: string; duplicate: boolean }>(['enqueue', 'billing', 'cli.double', '{"n":21}', '-n', ns, '--idempotency-key', 'k-1']);
    expect(again).toMatchObject({ id: enq.id, duplicate: true });
    const record = await eventually(async () => {
      const r = await json<{ state: string; result?: unknown; attempts: number }>(['task', enq.id, '--queue', 'billing', '-n', ns]).catch(() => undefined);
      return r?.state === 'succeeded' ? r : undefined;
    });
    expect(record).toMatchObject({ id: enq.id, task: 'cli.double', state: 'succeeded', result: 42, attempts: 1 });
    const table = await cli(['task', enq.id, '--queue', 'billing', '-n', ns]);
    expect(table.stdout).toMatch(/state: succeeded/);

    const bad = await cli(['enqueue', 'billing', 'cli.double', '{n:1}', '-n', ns]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the payload is not JSON');
  }, CLI_TEST_TIMEOUT_MS);

  it('enqueues a delayed task that stays scheduled until its time, and refuses a bad duration', async () => {
    const enq = await json<{ id: string }>(['enqueue', 'billing', 'cli.double', '{"n":4}', '-n', ns, '--delay', '3s', '--ttl', '1h']);
    const waiting = await json<{ state: string; runAt?: number; expiresAt?: number }>(['task', enq.id, '--queue', 'billing', '-n', ns]);
    expect(waiting.state).toBe('scheduled');
    expect(waiting.runAt).toBeGreaterThan(Date.now());
    expect(waiting.expiresAt).toBeGreaterThan(waiting.runAt!);
    const done = await eventually(async () => {
      const r = await json<{ state: string; result?: unknown }>(['task', enq.id, '--queue', 'billing', '-n', ns]);
      return r.state === 'succeeded' ? r : undefined;
    });
    expect(done.result).toBe(8);

    const bad = await cli(['enqueue', 'billing', 'cli.double', '{"n":1}', '-n', ns, '--delay', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad --delay "soon"');
  }, CLI_TEST_TIMEOUT_MS);

  it('lists queues with live numbers from JetStream, and the workers from their heartbeats', async () => {
    const client = new Client(nats.nc, { queue: `idle-${ns}` });
    await client.enqueueMany(declareTask('cli.nobody'), [{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
    await client.close();
    const rows = await json<Array<{ name: string; namespace: string; ready: string; backlog: number; pending: number; inFlight: number; deadLetters: number }>>(['queues', '-n', ns]);
    expect(rows.map((r) => r.name).sort()).toEqual(['billing', 'idle']);
    expect(rows.find((r) => r.name === 'idle')).toMatchObject({ namespace: ns, ready: 'True', backlog: 3, pending: 3, inFlight: 0, deadLetters: 0 });
    const table = await cli(['queues', '-n', ns]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+BACKLOG\s+IN-FLIGHT\s+DEAD\s+WORKERS\s+PAUSED$/);

    const heard = await json<Array<{ taskqueue: string; name: string; ready: boolean; tasks: string[] }>>(['workers', 'billing', '-n', ns, '--listen', '1000']);
    expect(heard).toEqual([expect.objectContaining({ taskqueue: 'billing', name: 'billing-worker-0', ready: true, tasks: ['cli.double', 'cli.flaky'] })]);
  }, CLI_TEST_TIMEOUT_MS);

  it('lists, shows and replays dead letters', async () => {
    flakyFails = true;
    const client = new Client(nats.nc, { queue: `billing-${ns}` });
    const handle = await client.enqueue(flaky, { n: 7 });
    await client.close();
    const dead = await eventually(async () => {
      const list = await json<Array<{ seq: number; subject: string; reason: string; error: string; body: unknown }>>(['dead', 'list', 'billing', '-n', ns]);
      return list.length === 1 ? list : undefined;
    });
    expect(dead[0]).toMatchObject({ subject: `celeriac.billing-${ns}.tasks.cli.flaky`, error: 'refused 7', body: { n: 7 } });
    const shown = await json<{ headers: Record<string, string> }>(['dead', 'show', 'billing', String(dead[0]!.seq), '-n', ns]);
    expect(shown.headers['Celeriac-Id']).toBe(handle.id);
    const missing = await cli(['dead', 'show', 'billing', '999999', '-n', ns]);
    expect(missing.stderr).toContain('no dead letter 999999 in taskqueue billing');

    flakyFails = false;
    const replayed = await cli(['dead', 'replay', 'billing', String(dead[0]!.seq), '-n', ns]);
    expect(replayed.stdout).toMatch(/^replayed dead letter \d+ as task message \d+\n$/);
    expect(await json<unknown[]>(['dead', 'list', 'billing', '-n', ns])).toEqual([]);
    await eventually(async () => (await json<{ state: string }>(['task', handle.id, '--queue', 'billing', '-n', ns])).state === 'succeeded');
  }, CLI_TEST_TIMEOUT_MS);

  it('purges a queue only when confirmed, and dead letters with --yes', async () => {
    const idle = new Client(nats.nc, { queue: `idle-${ns}` });
    await idle.enqueueMany(declareTask('cli.nobody'), [{ payload: 4 }, { payload: 5 }]);
    await idle.close();
    const before = (await json<Array<{ name: string; backlog: number }>>(['queues', '-n', ns])).find((r) => r.name === 'idle')!.backlog;
    expect(before).toBeGreaterThan(0);
    // No terminal to ask on and no --yes: refused, nothing lost.
    const refused = await cli(['purge', 'idle', '-n', ns]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pass --yes');
    expect((await json<Array<{ name: string; backlog: number }>>(['queues', '-n', ns])).find((r) => r.name === 'idle')!.backlog).toBe(before);

    const purged = await cli(['purge', 'idle', '-n', ns, '--yes']);
    expect(purged.stdout).toBe(`purged ${before} tasks of taskqueue idle\n`);
    expect((await json<Array<{ name: string; backlog: number }>>(['queues', '-n', ns])).find((r) => r.name === 'idle')!.backlog).toBe(0);

    flakyFails = true;
    const client = new Client(nats.nc, { queue: `billing-${ns}` });
    await client.enqueue(flaky, { n: 8 });
    await client.close();
    await eventually(async () => (await json<unknown[]>(['dead', 'list', 'billing', '-n', ns])).length === 1);
    expect((await cli(['dead', 'purge', 'billing', '-n', ns, '--yes'])).stdout).toBe('purged 1 dead letters of taskqueue billing\n');
    expect(await json<unknown[]>(['dead', 'list', 'billing', '-n', ns])).toEqual([]);
  }, CLI_TEST_TIMEOUT_MS);

  it('top refreshes the given number of times, with rates from the second refresh on', async () => {
    const r = await cli(['top', '-n', ns, '--iterations', '2', '--interval', '300', '-o', 'json']);
    expect(r.code).toBe(0);
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { queues: Array<{ name: string; rates?: { arrival: number } }> });
    expect(frames).toHaveLength(2);
    expect(frames[0]!.queues.every((q) => q.rates === undefined)).toBe(true);
    expect(frames[1]!.queues.find((q) => q.name === 'idle')?.rates).toEqual({ arrival: 0, completion: 0 });
    const table = await cli(['top', '-n', ns, '--iterations', '1']);
    expect(table.stdout).toMatch(/IN\/S\s+DONE\/S/);
  }, CLI_TEST_TIMEOUT_MS);

  it('sets, lists and removes a rate limit at run time, refusing a bad one', async () => {
    expect(await json<object>(['rate-limit', 'idle', '--task', 'email.send', '--limit', '5', '--period', '1m', '-n', ns])).toEqual({
      taskqueue: 'idle',
      task: 'email.send',
      limit: 5,
      periodMs: 60_000,
    });
    expect(await json<object[]>(['rate-limit', 'idle', '-n', ns])).toEqual([{ task: 'email.send', limit: 5, periodMs: 60_000, source: 'api' }]);
    const bad = await cli(['rate-limit', 'idle', '--limit', '5', '--period', '5ms', '-n', ns]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rateLimit.periodMs');
    expect((await cli(['rate-limit', 'idle', '--task', 'email.send', '--remove', '-n', ns])).stdout).toContain('removed rate limit of email.send');
    expect(await json<object[]>(['rate-limit', 'idle', '-n', ns])).toEqual([]);
  }, CLI_TEST_TIMEOUT_MS);

  it('enqueues with --priority and --fairness-key into the lane the operator made from spec.priorities and spec.fairness', async () => {
    await applyQueue(ns, 'ranked', { priorities: { levels: 3 }, fairness: { buckets: 4 } });
    await waitReady(ns, 'ranked');
    const queue = `ranked-${ns}`;
    await json(['enqueue', 'ranked', 'cli.double', '{"n":1}', '-n', ns, '--priority', '2', '--fairness-key', 'tenant-7']);
    const lane = `lane-2-${fairnessBucket('tenant-7', 4)}`;
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.consumers.info(queueNames(queue).stream, lane)).num_pending).toBe(1);
    expect((await readQueueState(nats.nc, queue)).pending).toBe(1);

    const bad = await cli(['enqueue', 'ranked', 'cli.double', '{"n":1}', '-n', ns, '--priority', '3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('priority 3 is out of range: the queue has 3 priority levels');
  }, CLI_TEST_TIMEOUT_MS);

  it('pauses and resumes a queue, and stores a cancel', async () => {
    const queue = `idle-${ns}`;
    expect((await cli(['pause', 'idle', '-n', ns])).stdout).toContain('paused taskqueue idle');
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);
    expect((await cli(['resume', 'idle', '-n', ns])).code).toBe(0);
    expect(await isQueuePaused(nats.nc, queue)).toBe(false);
    // An id no worker has seen yet: the cancel is stored and applies when the task arrives.
    expect(await json<{ id: string; outcome: string }>(['cancel', 'not-yet-seen', '--queue', 'idle', '-n', ns])).toEqual({ id: 'not-yet-seen', outcome: 'requested' });
  }, CLI_TEST_TIMEOUT_MS);

  describe('a queue with its own NATS credentials in a Secret', () => {
    let secured: NatsServer;
    let securedNs: string;
    beforeAll(async () => {
      secured = await startNats({ config: usersConfig({ alice: 'alice-pw-s3cret' }) });
      securedNs = await freshNamespace(cp(), 'clis');
      await operators.start(nats.server.url, { namespace: securedNs });
      await kubectlOk(cp(), ['apply', '-n', securedNs, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nats-creds' }, stringData: { user: 'alice', password: 'alice-pw-s3cret' } }));
      await applyQueue(securedNs, 'private', { nats: { url: secured.url, secretRef: { name: 'nats-creds' } } });
      await waitReady(securedNs, 'private');
    });
    afterAll(async () => {
      await secured?.stop();
    });

    it('connects with the Secret\'s credentials and never prints them', async () => {
      const r = await cli(['queues', '-n', securedNs, '-o', 'yaml'], { NATS_URL: '' });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/name: private/);
      expect(r.stdout).toMatch(/backlog: 0/);
      expect(r.stdout + r.stderr).not.toContain('alice-pw-s3cret');

      // -A: queues of every namespace, each on its own NATS (other test files' queues may add rows and warnings).
      const all = await cli(['queues', '-A', '-o', 'json']);
      const rows = JSON.parse(all.stdout) as Array<{ namespace: string; name: string; backlog: number }>;
      expect(rows).toContainEqual(expect.objectContaining({ namespace: securedNs, name: 'private', backlog: 0 }));
      expect(rows).toContainEqual(expect.objectContaining({ namespace: ns, name: 'billing' }));
      expect(all.stdout + all.stderr).not.toContain('alice-pw-s3cret');

      // A wrong --nats-url: the error names the queue and the host, not the credentials.
      const wrong = await cli(['dead', 'list', 'private', '-n', securedNs, '--nats-url', 'nats://127.0.0.1:1']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`cannot connect to NATS at nats://127.0.0.1:1 for taskqueue private in namespace ${securedNs}`);
      expect(wrong.stderr).toContain('kubectl port-forward');
      expect(wrong.stdout + wrong.stderr).not.toContain('alice-pw-s3cret');
    }, CLI_TEST_TIMEOUT_MS);
  });
});
