// The operator and worker images, checked without a Docker engine (there is none here): their
// Dockerfiles are followed step by step into a directory (test/support/dockerfile/emulate.ts),
// which fails if a COPY source is missing or excluded; `npm ci` really runs; then the exact
// ENTRYPOINT + CMD of each image run as plain processes from that layout. Not covered: the base
// image's own files, file ownership, and the image build itself.
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sendEmail } from '../../examples/worker-image/tasks/emails.ts';
import { Client, TaskFailedError } from 'celeriac';
import { freePort } from 'celeriac/testing';
import { WORKER_UID } from '../../operator/src/workerpool/desired-deployment.ts';
import { startAppProcess, waitForHttp, type AppProcess } from '../support/app-process.ts';
import { chartDir, repoRoot } from '../support/chart.ts';
import { emulateBuild, filesIn, inImage, processOf, type ImageLayout } from '../support/dockerfile/emulate.ts';
import { parseDockerfile } from '../support/dockerfile/parse.ts';
import { useNats } from '../support/use-nats.ts';
import { freshNamespace, kubectlOk } from '../support/operator.ts';
import { createQueue, uniqueQueue } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

/** The name the example's FROM uses for the worker base image. */
const WORKER_IMAGE = 'ghcr.io/celeriac/worker:0.1.0';
const dockerfiles = { operator: join(repoRoot, 'operator', 'Dockerfile'), worker: join(repoRoot, 'worker-runtime', 'Dockerfile') };
const exampleDir = join(repoRoot, 'examples', 'worker-image');
/** Development-only packages of the repository: none may be in an image. */
const DEV_ONLY = ['vitest', 'typescript', 'eslint', 'typescript-eslint', 'bullmq', 'fast-check', 'node', '@eslint/js'];

describe('images, built without Docker: what they copy and the commands they run', () => {
  const cp = useControlPlane({ profile: 'api' });
  let out: string;
  let worker: ImageLayout;
  let operator: ImageLayout;
  let example: ImageLayout;
  const nats = useNats();
  const procs: AppProcess[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'celeriac-images-'));
    worker = await emulateBuild({ dockerfile: dockerfiles.worker, context: repoRoot, out: join(out, 'worker') });
    operator = await emulateBuild({ dockerfile: dockerfiles.operator, context: repoRoot, out: join(out, 'operator') });
    example = await emulateBuild({ dockerfile: join(exampleDir, 'Dockerfile'), context: exampleDir, out: join(out, 'example'), images: { [WORKER_IMAGE]: worker } });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const start = (image: ImageLayout, env: Record<string, string>) => {
    const p = processOf(image);
    const proc = startAppProcess(p.command, p.args, { cwd: p.cwd, env: { ...p.env, ...env } });
    procs.push(proc);
    return proc;
  };

  it.each(Object.entries(dockerfiles))('%s: multi-stage on the official Node 24 slim image, a numeric UID above 10000 that the pods run as, node in exec form', (name) => {
    const instructions = parseDockerfile(readFileSync(dockerfiles[name as keyof typeof dockerfiles], 'utf8'));
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(instructions.find((i) => i.keyword === 'ARG')?.args).toBe('NODE_IMAGE=node:24-slim');
    expect(froms).toEqual(['${NODE_IMAGE} AS deps', '${NODE_IMAGE}']);
    const image = name === 'operator' ? operator : worker;
    // The UID the chart (operator) and the operator's worker Deployments (workers) run pods as.
    const uid = name === 'operator' ? (parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number } }).podSecurityContext.runAsUser : WORKER_UID;
    expect(uid).toBeGreaterThan(10_000);
    expect(image.user).toBe(`${uid}:${uid}`);
    expect(image.entrypoint[0]).toBe('node');
    expect(image.env.NODE_ENV).toBe('production');
  });

  it('holds production dependencies only, and no tests', () => {
    for (const image of [operator, worker, example]) {
      for (const pkg of DEV_ONLY) expect(existsSync(inImage(image, `/app/node_modules/${pkg}`)), pkg).toBe(false);
      expect(filesIn(image, '/app').filter((f) => f.endsWith('.test.ts') && !f.includes('/node_modules/'))).toEqual([]);
      // The workspace link through which `import 'celeriac'` reaches the sources, outside node_modules.
      expect(readlinkSync(inImage(image, '/app/node_modules/celeriac'))).toBe('../worker-runtime');
    }
    expect(existsSync(inImage(operator, '/app/node_modules/@kubernetes/client-node'))).toBe(true);
    expect(existsSync(inImage(worker, '/app/node_modules/@kubernetes/client-node')), 'the worker never talks to the API server').toBe(false);
    expect(existsSync(inImage(worker, '/app/operator/src'))).toBe(false);
  });

  it('puts celeriac-worker on the worker image PATH', () => {
    const link = inImage(worker, '/usr/local/bin/celeriac-worker');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(inImage(worker, '/app/worker-runtime/bin/celeriac-worker.js')));
  });

  it('keeps the example Dockerfile to the five lines the docs promise', () => {
    const text = readFileSync(join(exampleDir, 'Dockerfile'), 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(5);
    expect(example.cmd).toEqual(['tasks/emails.ts']);
    expect(example.entrypoint).toEqual(worker.entrypoint);
  });

  it('is shown in docs/install.md exactly as examples/worker-image has it', () => {
    const docs = readFileSync(join(repoRoot, 'docs', 'install.md'), 'utf8');
    expect(docs).toContain('```dockerfile\n' + readFileSync(join(exampleDir, 'Dockerfile'), 'utf8') + '```');
    const code = readFileSync(join(exampleDir, 'tasks', 'emails.ts'), 'utf8').replace(/^\s*\/\/.*\n/gm, '');
    expect(docs).toContain('```ts\n' + code + '```');
  });

  it('the example image runs its tasks with the base image entrypoint, on the same celeriac as the worker', { timeout: 60_000 }, async () => {
    const queue = uniqueQueue('img');
    await createQueue(nats.nc, queue);
    const port = await freePort();
    const proc = start(example, { NATS_URL: nats.server.url, CELERIAC_QUEUE: queue, CELERIAC_HTTP_HOST: '127.0.0.1', CELERIAC_HTTP_PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, proc);
    const client = new Client(nats.nc, { queue });
    const ok = await client.enqueue(sendEmail, { to: 'ada@example.com', subject: 'hi' });
    expect(await ok.result({ timeoutMs: 10_000 })).toEqual({ accepted: 'ada@example.com' });
    // A PermanentError from the task module is dead-lettered at once only if it is the worker's
    // own class: with a second copy of celeriac it would be retried (5 attempts, seconds apart).
    const bad = await client.enqueue(sendEmail, { to: 'nobody', subject: 'hi' });
    const err = await bad.result({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).state).toBe('failed');
    expect(await bad.status()).toMatchObject({ state: 'failed', attempts: 1, error: { type: 'PermanentError' } });
    await proc.stop();
    expect(await proc.exited).toBe(0);
  });

  it('the operator image entrypoint serves health and metrics and reconciles a TaskQueue', { timeout: 90_000 }, async () => {
    const k = cp();
    await kubectlOk(k, ['apply', '--server-side', '-f', join(repoRoot, 'crds', 'taskqueue.yaml'), '-f', join(repoRoot, 'crds', 'workerpool.yaml')]);
    await kubectlOk(k, ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
    const ns = await freshNamespace(k, 'img');
    const port = await freePort();
    const proc = start(operator, {
      NATS_URL: nats.server.url,
      KUBECONFIG: k.kubeconfigPath,
      WATCH_NAMESPACE: ns,
      LEADER_ELECTION: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, proc);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const name = uniqueQueue('opimg');
    await kubectlOk(k, ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name }, spec: { storage: 'Memory' } }));
    const wait = await k.kubectl(['wait', '-n', ns, '--for=condition=Ready', `tq/${name}`, '--timeout=60s']);
    expect(wait.code, `${wait.stderr}\n${proc.output().slice(-2000)}`).toBe(0);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('celeriac_operator_reconcile_total{controller="taskqueue",result="requeue_after"}');
    await proc.stop();
    expect(await proc.exited).toBe(0);
  });
});
