import { describe, expect, it } from 'vitest';
import { taskQueue, workerPool } from '../test-fixtures.ts';
import { desiredDeployment, mergePodSpec, workerEnv } from './desired-deployment.ts';

const ctx = { defaultNatsUrl: 'nats://nats.celeriac:4222' };

describe('desiredDeployment', () => {
  it('is owned by the pool, selects its pods and leaves replicas to the autoscaler', () => {
    const d = desiredDeployment(workerPool('mailers'), taskQueue('emails'), ctx);
    expect(d.metadata?.ownerReferences).toEqual([
      { apiVersion: 'celeriac.dev/v1alpha1', kind: 'WorkerPool', name: 'mailers', uid: 'uid-mailers', controller: true, blockOwnerDeletion: true },
    ]);
    expect(d.spec?.selector.matchLabels).toEqual({ 'celeriac.dev/pool': 'mailers' });
    expect(d.spec?.template.metadata?.labels?.['celeriac.dev/pool']).toBe('mailers');
    expect(d.spec).not.toHaveProperty('replicas');
    expect(desiredDeployment(workerPool('mailers'), taskQueue('emails'), { ...ctx, initialReplicas: 0 }).spec?.replicas).toBe(0);
  });

  it('runs workers non-root, read-only, unprivileged, without API credentials, with requests', () => {
    const pod = desiredDeployment(workerPool('p'), taskQueue('emails'), ctx).spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // A high UID, the image's own: no user of the node, and equal to the image so files match.
    expect(pod.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources?.requests).toBeDefined();
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('gives the pod a grace period covering the drain timeout', () => {
    const pod = desiredDeployment(workerPool('p', { drainTimeout: '2m' }), taskQueue('emails'), ctx).spec!.template.spec!;
    expect(pod.terminationGracePeriodSeconds).toBe(125);
    expect(workerEnv(workerPool('p', { drainTimeout: '2m' }), taskQueue('emails'), ctx)).toContainEqual({ name: 'CELERIAC_DRAIN_TIMEOUT_MS', value: '120000' });
  });

  it('wires the queue, retry policy, results and NATS settings into env, with user env winning', () => {
    const env = workerEnv(
      workerPool('p', { concurrency: 4, taskModules: ['/app/tasks.js'], env: [{ name: 'NATS_URL', value: 'nats://mine:4222' }] }),
      taskQueue('emails', { retry: { maxAttempts: 2 }, results: { enabled: false }, unknownTaskGracePeriod: '3m' }),
      ctx,
    );
    const get = (n: string) => env.find((e) => e.name === n);
    expect(get('CELERIAC_UNKNOWN_TASK_GRACE_MS')?.value).toBe('180000');
    expect(get('CELERIAC_QUEUE')?.value).toBe('emails');
    expect(get('CELERIAC_CONCURRENCY')?.value).toBe('4');
    expect(get('CELERIAC_TASK_MODULES')?.value).toBe('/app/tasks.js');
    expect(JSON.parse(get('CELERIAC_DEFAULT_RETRY')!.value!)).toMatchObject({ maxAttempts: 2 });
    expect(get('CELERIAC_RESULTS')?.value).toBe('false');
    expect(env.filter((e) => e.name === 'NATS_URL')).toEqual([{ name: 'NATS_URL', value: 'nats://mine:4222' }]);
  });

  it('mounts the queue\'s NATS Secret instead of putting credentials in env', () => {
    const d = desiredDeployment(workerPool('p'), taskQueue('emails', { nats: { secretRef: { name: 'nats-creds' } } }), ctx);
    const pod = d.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'nats-secret', secret: { secretName: 'nats-creds', defaultMode: 0o400 } });
    expect(pod.containers[0]!.env).toContainEqual({ name: 'NATS_SECRET_DIR', value: '/var/run/celeriac/nats' });
    expect(JSON.stringify(pod.containers[0]!.env)).not.toMatch(/password|token/i);
  });
});

describe('mergePodSpec', () => {
  it('overrides pod fields, appends volumes and merges the worker container', () => {
    const base = { containers: [{ name: 'worker', image: 'a', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }], volumes: [{ name: 'tmp', emptyDir: {} }] };
    const merged = mergePodSpec(base, {
      nodeSelector: { pool: 'gpu' },
      volumes: [{ name: 'models', emptyDir: {} }],
      containers: [{ name: 'worker', volumeMounts: [{ name: 'models', mountPath: '/models' }] }, { name: 'sidecar', image: 'b' }],
    });
    expect(merged.nodeSelector).toEqual({ pool: 'gpu' });
    expect(merged.volumes?.map((v) => v.name)).toEqual(['tmp', 'models']);
    expect(merged.containers.map((c) => c.name)).toEqual(['worker', 'sidecar']);
    expect(merged.containers[0]!.image).toBe('a');
    expect(merged.containers[0]!.volumeMounts?.map((m) => m.name)).toEqual(['tmp', 'models']);
  });
});
