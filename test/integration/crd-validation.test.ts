// The CRDs on a real kube-apiserver: they establish, the annotated example is accepted and stored
// with the defaults our types promise, and every invalid object in crds/src/invalid-cases.ts is
// rejected with an error naming the field and without CEL evaluation noise.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  API_GROUP,
  API_VERSION,
  TASK_QUEUE,
  TASK_QUEUE_CRD,
  WORKER_POOL,
  WORKER_POOL_CRD,
  withTaskQueueDefaults,
  withWorkerPoolDefaults,
} from '../../crds/src/index.ts';
import { INVALID_CASES, VALID_EDGE_CASES, type Manifest } from '../../crds/src/invalid-cases.ts';
import type { ClusterAccess } from '../support/kube.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ns = `crd-validation-${process.pid}`;

async function ok(k: ClusterAccess, args: string[], input?: string): Promise<string> {
  const res = await k.kubectl(args, { input });
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0);
  return res.stdout;
}

type Stored = Manifest & { spec: Record<string, unknown> };

/** The spec as stored, defaults applied: what the operator will read. */
async function storedSpec(k: ClusterAccess, m: Manifest): Promise<Record<string, unknown>> {
  const json = await ok(k, ['get', '-n', ns, `${m.kind.toLowerCase()}/${m.metadata.name}`, '-o', 'json']);
  return (JSON.parse(json) as Stored).spec;
}

/** What our types and defaulting functions promise the stored spec is. */
function expectedSpec(m: Manifest): Record<string, unknown> {
  return m.kind === 'TaskQueue'
    ? withTaskQueueDefaults(m.spec ?? {})
    : withWorkerPoolDefaults((m.spec ?? {}) as Parameters<typeof withWorkerPoolDefaults>[0]);
}

/**
 * What CEL says when a rule fails to evaluate rather than to hold (e.g. duration() on "5
 * minutes"): noise beside the field's own message, which every rule must be guarded against.
 */
const CEL_EVALUATION_ERROR = /type conversion error|no such overload|no matching overload|no such key/;

const named = (m: Manifest, name: string): Manifest => ({ ...m, metadata: { name: m.metadata.name ?? name } });

/**
 * The table goes through the API directly, not kubectl: one request per case instead of one
 * process, same server-side validation. Strict field validation is what kubectl asks for too, so
 * unknown fields (an inline password) are errors, not silently pruned.
 */
function objects(api: CustomObjectsApi) {
  const where = (m: Manifest) => ({
    group: API_GROUP,
    version: API_VERSION,
    namespace: ns,
    plural: m.kind === TASK_QUEUE.kind ? TASK_QUEUE.plural : WORKER_POOL.plural,
  });
  return {
    create: (m: Manifest) => api.createNamespacedCustomObject({ ...where(m), body: m, fieldValidation: 'Strict' }) as Promise<Stored>,
    async replaceSpec(m: Manifest): Promise<unknown> {
      const name = m.metadata.name ?? '';
      const current = (await api.getNamespacedCustomObject({ ...where(m), name })) as Stored;
      const body = { ...current, spec: m.spec };
      return api.replaceNamespacedCustomObject({ ...where(m), name, body, fieldValidation: 'Strict' });
    },
  };
}

/** The API server's error message for a request that must fail; fails the test if it succeeded. */
async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body: unknown = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return (body as { message?: string }).message ?? String(e.body);
  }
  throw new Error('accepted, expected a rejection');
}

describe('TaskQueue and WorkerPool CRDs on a real API server', () => {
  const cp = useControlPlane({ profile: 'api' });
  let api: ReturnType<typeof objects>;

  beforeAll(async () => {
    const k = cp();
    api = objects(k.kubeConfig().makeApiClient(CustomObjectsApi));
    await ok(k, ['apply', '-f', join(root, 'crds', 'taskqueue.yaml'), '-f', join(root, 'crds', 'workerpool.yaml')]);
    const crds = [TASK_QUEUE_CRD, WORKER_POOL_CRD].map((c) => `crd/${c.metadata.name}`);
    await ok(k, ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
    await ok(k, ['create', 'namespace', ns]);
  });

  it('establishes both CRDs with their short names and the celeriac category', async () => {
    const resources = await ok(cp(), ['api-resources', '--api-group=celeriac.dev', '--categories=celeriac', '-o', 'name']);
    expect(resources.split('\n').filter(Boolean).sort()).toEqual(['taskqueues.celeriac.dev', 'workerpools.celeriac.dev']);
    const crd = JSON.parse(await ok(cp(), ['get', 'crd', TASK_QUEUE_CRD.metadata.name, '-o', 'json'])) as {
      status: { acceptedNames: { shortNames: string[] } };
    };
    expect(crd.status.acceptedNames.shortNames).toEqual(['tq']);
  });

  it('accepts examples/queue.yaml and stores it with exactly the defaults the types promise', async () => {
    const k = cp();
    const text = readFileSync(join(root, 'examples', 'queue.yaml'), 'utf8');
    await ok(k, ['apply', '-n', ns, '-f', '-'], text);
    const docs = parseAllDocuments(text).map((d) => d.toJS() as Manifest);
    expect(docs.map((d) => d.kind)).toEqual(['TaskQueue', 'WorkerPool']);
    for (const doc of docs) expect(await storedSpec(k, doc)).toEqual(expectedSpec(doc));
  });

  it.each(VALID_EDGE_CASES.map((c, i) => ({ ...c, object: named(c.object, `edge-${i}`) })))('accepts $what', async ({ object }) => {
    const created = await api.create(object);
    expect(created.spec).toEqual(expectedSpec(object));
  });

  it('has at least 30 invalid cases', () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(INVALID_CASES.map((c, i) => ({ ...c, i })))('rejects $what, naming $field', async ({ object, before, field, says, i }) => {
    const name = `bad-${i}`;
    const message = before
      ? (await api.create(named(before, name)), await rejection(api.replaceSpec(named(object, name))))
      : await rejection(api.create(named(object, name)));
    expect(message).toContain(field);
    if (says) expect(message).toContain(says);
    expect(message).not.toMatch(CEL_EVALUATION_ERROR);
  });

  it('shows the printer columns, and kubectl get celeriac lists both kinds', async () => {
    const k = cp();
    const header = async (resource: string) => (await ok(k, ['get', resource, '-n', ns])).split('\n')[0]?.split(/\s+/);
    expect(await header('tq')).toEqual(['NAME', 'READY', 'BACKLOG', 'DEAD', 'PAUSED', 'SCHEDULES', 'AGE']);
    expect(await header('wp')).toEqual(['NAME', 'QUEUE', 'READY', 'REPLICAS', 'DESIRED', 'BACKLOG', 'AGE']);
    const all = await ok(k, ['get', 'celeriac', '-n', ns, '-o', 'name']);
    expect(all).toContain('taskqueue.celeriac.dev/emails');
    expect(all).toContain('workerpool.celeriac.dev/emails-workers');
  });

  it('takes status through the status subresource: conditions for kubectl wait, counts for the columns', async () => {
    const k = cp();
    const status = {
      observedGeneration: 1,
      queueName: 'emails',
      stream: 'CELERIAC_EMAILS',
      backlog: 42,
      pending: 40,
      ackPending: 2,
      deadLetters: 3,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'StreamReady', message: 'stream and consumer exist', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      ],
    };
    await ok(k, ['patch', 'tq', 'emails', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    await ok(k, ['wait', '--for=condition=Ready', '--timeout=10s', '-n', ns, 'tq/emails']);
    const row = (await ok(k, ['get', 'tq', 'emails', '-n', ns, '--no-headers'])).trim().split(/\s+/);
    expect(row.slice(0, 4)).toEqual(['emails', 'True', '42', '3']);

    const bad = await k.kubectl(['patch', 'tq', 'emails', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"backlog":-1}}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('status.backlog');
  });

  it('lets kubectl scale a fixed-size pool and refuses it for an autoscaled one', async () => {
    const k = cp();
    const fixed = { apiVersion: 'celeriac.dev/v1alpha1', kind: 'WorkerPool', metadata: { name: 'fixed' }, spec: { queue: 'emails', image: 'app:1', autoscaling: { enabled: false } } };
    await ok(k, ['apply', '-n', ns, '-f', '-'], JSON.stringify(fixed));
    await ok(k, ['scale', 'wp/fixed', '-n', ns, '--replicas=3']);
    expect(await ok(k, ['get', 'wp/fixed', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('3');

    const refused = await k.kubectl(['scale', 'wp/emails-workers', '-n', ns, '--replicas=3']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('spec.replicas');
  });
});
