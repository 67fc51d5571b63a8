import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, connectNats, defineTask, type NatsSettings } from 'celeriac';
import { freePort } from 'celeriac/testing';
import { startAppProcess, type AppProcess } from '../support/app-process.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { freshNamespace, getJson, kubectlOk } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const root = join(import.meta.dirname, '..', '..');
const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const resize = defineTask('images.resize', (_: { url: string; width: number }) => ({ url: '' }));

/**
 * Real credentials everywhere the system takes them (operator env, queue Secrets with a password
 * or a token, a worker's mounted Secret and env, one wrong password that makes an error path),
 * everything at debug level: no secret, plain or base64 as a Secret holds it, appears in what the
 * operator and the workers log, nor in the queues' status.
 */
describe('secrets stay out of the logs', () => {
  const cp = useControlPlane({ profile: 'api' });
  const s = {
    operatorPassword: secret('op-pw'),
    queuePassword: secret('queue-pw'),
    token: secret('token'),
    wrongPassword: secret('wrong-pw'),
  };
  let passwordNats: NatsServer;
  let tokenNats: NatsServer;
  const procs: AppProcess[] = [];

  beforeAll(async () => {
    passwordNats = await startNats({
      config: `authorization { users = [ {user: operator, password: "${s.operatorPassword}"}, {user: queue, password: "${s.queuePassword}"} ] }`,
    });
    tokenNats = await startNats({ config: `authorization { token: "${s.token}" }` });
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', '--timeout=60s']);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await passwordNats?.stop();
    await tokenNats?.stop();
  });

  /** A worker as its pod runs it: the queue's Secret mounted at NATS_SECRET_DIR, plus `env`. */
  async function spawnWorker(queue: string, secretFiles: Record<string, string>, env: Record<string, string>): Promise<{ worker: AppProcess; port: number }> {
    const dir = mkdtempSync(join(tmpdir(), 'nats-secret-'));
    for (const [key, value] of Object.entries(secretFiles)) writeFileSync(join(dir, key), value, { mode: 0o400 });
    const port = await freePort();
    const worker = startAppProcess(process.execPath, ['worker-runtime/bin/celeriac-worker.js', '--queue', queue, 'examples/quickstart/tasks.ts'], {
      cwd: root,
      env: { NATS_SECRET_DIR: dir, CELERIAC_HTTP_HOST: '127.0.0.1', CELERIAC_HTTP_PORT: String(port), LOG_LEVEL: 'debug', ...env },
    });
    procs.push(worker);
    return { worker, port };
  }

  async function startWorker(queue: string, secretFiles: Record<string, string>, env: Record<string, string>): Promise<AppProcess> {
    const { worker, port } = await spawnWorker(queue, secretFiles, env);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 30_000, what: `worker on ${queue} ready` });
    return worker;
  }

  /** Runs one task through the queue, as a producer holding the same credentials. */
  async function runTask(settings: NatsSettings, queue: string): Promise<void> {
    const nc = await connectNats(settings);
    const client = new Client(nc, { queue });
    try {
      expect((await (await client.enqueue(resize, { url: 'a.png', width: 10 })).result({ timeoutMs: 15_000 })).url).toBe('a-10w.png');
    } finally {
      await client.close();
      await nc.close();
    }
  }

  it('logs no password or token of the operator, the queue Secrets or the workers, at debug level and on auth failures', async () => {
    const ns = await freshNamespace(cp(), 'secrets');
    const q = { password: `pw-${ns}`, token: `tok-${ns}`, wrong: `wrong-${ns}` };
    await kubectlOk(
      cp(),
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: v1
kind: Secret
metadata: {name: queue-password}
stringData: {user: queue, password: "${s.queuePassword}"}
---
apiVersion: v1
kind: Secret
metadata: {name: queue-token}
stringData: {url: "${tokenNats.url}", token: "${s.token}"}
---
apiVersion: v1
kind: Secret
metadata: {name: queue-wrong}
stringData: {user: queue, password: "${s.wrongPassword}"}
---
apiVersion: celeriac.dev/v1alpha1
kind: TaskQueue
metadata: {name: by-password}
spec: {queueName: ${q.password}, storage: Memory, nats: {secretRef: {name: queue-password}}}
---
apiVersion: celeriac.dev/v1alpha1
kind: TaskQueue
metadata: {name: by-token}
spec: {queueName: ${q.token}, storage: Memory, nats: {secretRef: {name: queue-token}}}
---
apiVersion: celeriac.dev/v1alpha1
kind: TaskQueue
metadata: {name: wrong-password}
spec: {queueName: ${q.wrong}, storage: Memory, nats: {secretRef: {name: queue-wrong}}}
`,
    );
    const operator = startAppProcess(process.execPath, ['operator/bin/celeriac-operator.js'], {
      cwd: root,
      env: {
        KUBECONFIG: cp().kubeconfigPath,
        NATS_URL: passwordNats.url,
        NATS_USER: 'operator',
        NATS_PASSWORD: s.operatorPassword,
        WATCH_NAMESPACE: ns,
        LEADER_ELECTION: 'false',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(await freePort()),
        QUEUE_REFRESH_MS: '1000',
        LOG_LEVEL: 'debug',
      },
    });
    procs.push(operator);

    // The credentials are really used: both queues Ready, the wrong one refused.
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/by-password', 'tq/by-token', '--timeout=60s']);
    await waitFor(
      async () => (await getJson<{ status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } }>(cp(), ['-n', ns, 'tq/wrong-password'])).status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False'),
      { timeoutMs: 60_000, what: 'the queue with a wrong password reported not Ready' },
    );

    // Workers with the Secret mounted (password), and with the token in env, each run a task.
    const byPassword = await startWorker(q.password, { user: 'queue', password: s.queuePassword }, { NATS_URL: passwordNats.url });
    const byToken = await startWorker(q.token, {}, { NATS_URL: tokenNats.url, NATS_TOKEN: s.token });
    await runTask({ servers: passwordNats.url, user: 'queue', password: s.queuePassword }, q.password);
    await runTask({ servers: tokenNats.url, token: s.token }, q.token);
    // A worker given a wrong password: NATS refuses it, and it says so without the password.
    const { worker: refused } = await spawnWorker(q.password, { user: 'queue', password: s.wrongPassword }, { NATS_URL: passwordNats.url });
    await waitFor(() => /authorization/i.test(refused.output()), { timeoutMs: 30_000, what: 'the refused worker reporting the auth failure' });
    await Promise.all([byPassword.stop(), byToken.stop(), refused.stop()]);

    const statuses = await kubectlOk(cp(), ['get', 'tq', '-n', ns, '-o', 'json']);
    const logs = { operator: operator.output(), workerByPassword: byPassword.output(), workerByToken: byToken.output(), workerRefused: refused.output() };
    // The logs are the real ones: debug lines, the connections, the auth failure, the tasks.
    expect(logs.operator).toContain('"level":20');
    expect(logs.operator).toMatch(/connecting to nats/);
    expect(logs.operator).toMatch(/[Aa]uthorization/);
    expect(logs.workerByPassword).toContain('worker stopped');
    expect(logs.workerByToken).toContain('worker stopped');
    for (const [name, value] of Object.entries(s)) {
      for (const [where, text] of Object.entries({ ...logs, statuses })) {
        expect(text.includes(value), `${where} holds the ${name}`).toBe(false);
        expect(text.includes(b64(value)), `${where} holds the ${name}, base64`).toBe(false);
      }
    }
  }, 180_000);
});
