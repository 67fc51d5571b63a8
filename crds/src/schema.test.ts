import { describe, expect, expectTypeOf, it } from 'vitest';
import { TASK_QUEUE_CRD, WORKER_POOL_CRD } from './crd.ts';
import { parseDuration } from './duration.ts';
import type { JSONSchemaProps } from './schema.ts';
import { withTaskQueueDefaults } from './taskqueue.ts';
import type { TaskQueueSpec, TaskQueueSpecInput, WorkerPoolSpec, WorkerPoolSpecInput } from './types.ts';
import { withWorkerPoolDefaults } from './workerpool.ts';

const crds = [TASK_QUEUE_CRD, WORKER_POOL_CRD];
const rootOf = (crd: (typeof crds)[number]) => crd.spec.versions[0]?.schema.openAPIV3Schema ?? {};

function* nodes(s: JSONSchemaProps, path: string): Generator<[string, JSONSchemaProps]> {
  yield [path, s];
  for (const [k, v] of Object.entries(s.properties ?? {})) yield* nodes(v, `${path}.${k}`);
  if (s.items) yield* nodes(s.items, `${path}[]`);
  if (s.additionalProperties) yield* nodes(s.additionalProperties, `${path}.<key>`);
}

const DURATION_BOUND = /\|\| \(duration\(self\) (>=|<=) duration\('([^']+)'\)\)$/;

/** What the API server's OpenAPI validation (plus our duration bounds) would say about a value. */
function violations(s: JSONSchemaProps, value: unknown, path: string): string[] {
  const out: string[] = [];
  const bad = (why: string) => out.push(`${path}: ${why}`);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (intOrString ? !Number.isInteger(value) && typeof value !== 'string' : !hasType(s.type, value)) return [`${path}: not ${s.type}`];
  if (s.enum && !s.enum.includes(value as string | number)) bad('not in enum');
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) bad('below minimum');
    if (s.maximum !== undefined && value > s.maximum) bad('above maximum');
  }
  if (typeof value === 'string') {
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) bad('does not match pattern');
    if (s.maxLength !== undefined && value.length > s.maxLength) bad('too long');
    if (s.minLength !== undefined && value.length < s.minLength) bad('too short');
    for (const r of s['x-kubernetes-validations'] ?? []) {
      const m = DURATION_BOUND.exec(r.rule);
      if (!m?.[2]) continue;
      const [v, bound] = [parseDuration(value), parseDuration(m[2])];
      if (m[1] === '>=' ? v < bound : v > bound) bad(r.message);
    }
  }
  if (Array.isArray(value)) value.forEach((v, i) => s.items && out.push(...violations(s.items, v, `${path}[${i}]`)));
  if (s.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (obj[k] === undefined && s.properties?.[k]?.default === undefined) bad(`${k} required`);
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      // Like the API server: nested defaults fill in missing fields of a defaulted object.
      const v = obj[k] ?? p.default;
      if (v !== undefined) out.push(...violations(p, v, `${path}.${k}`));
    }
  }
  return out;
}

function hasType(type: JSONSchemaProps['type'], v: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}

describe.each(crds.map((crd) => [crd.spec.names.kind, rootOf(crd)] as const))('%s schema', (_kind, root) => {
  const all = [...nodes(root, '')];

  it('is structural: every node has a type (or is int-or-string), every object says what its fields are', () => {
    const problems: string[] = [];
    for (const [path, s] of all) {
      const intOrString = s['x-kubernetes-int-or-string'] === true;
      if (intOrString) {
        if (s.type !== undefined || JSON.stringify(s.anyOf) !== '[{"type":"integer"},{"type":"string"}]') problems.push(`${path}: bad int-or-string`);
        continue;
      }
      if (s.anyOf) problems.push(`${path}: anyOf outside int-or-string`);
      // Kubernetes allows a node without a type when it keeps unknown fields: any JSON (payloads).
      if (!s.type && s['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${path}: no type`);
      if (s.type === 'object' && path !== '.metadata') {
        const ways = [s.properties, s.additionalProperties, s['x-kubernetes-preserve-unknown-fields']].filter((w) => w !== undefined);
        if (ways.length !== 1) problems.push(`${path}: object needs exactly one of properties, additionalProperties, preserve-unknown-fields`);
      }
      if (s.type === 'array' && !s.items) problems.push(`${path}: array without items`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every field, for kubectl explain and the reference docs', () => {
    const undocumented = all.filter(([path, s]) => path !== '.metadata' && !s.description).map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('has defaults that its own validation accepts', () => {
    const defaulted = all.filter(([, s]) => s.default !== undefined);
    expect(defaulted.length).toBeGreaterThan(5);
    const problems = defaulted.flatMap(([path, s]) => violations(s, s.default, path));
    expect(problems).toEqual([]);
  });

  it('keys map-type lists by fields that are always present, and keeps set-type lists scalar', () => {
    for (const [path, s] of all) {
      if (s['x-kubernetes-list-type'] === 'map') {
        for (const key of s['x-kubernetes-list-map-keys'] ?? []) {
          expect(s.items?.required ?? [], `${path} key ${key}`).toContain(key);
        }
      }
      if (s['x-kubernetes-list-type'] === 'set') expect(['string', 'integer'], path).toContain(s.items?.type);
    }
  });

  it('points every CEL fieldPath at a field that exists, so errors name a real field', () => {
    for (const [path, s] of all) {
      for (const r of s['x-kubernetes-validations'] ?? []) {
        if (!r.fieldPath) continue;
        let target: JSONSchemaProps | undefined = s;
        for (const part of r.fieldPath.split('.').slice(1)) target = target?.properties?.[part];
        expect(target, `${path} rule ${r.rule} fieldPath ${r.fieldPath}`).toBeDefined();
      }
    }
  });

  it('gives every CEL rule a message, and bounds the strings CEL reads', () => {
    for (const [path, s] of all) {
      for (const r of s['x-kubernetes-validations'] ?? []) {
        expect(r.message, path).toMatch(/\w/);
        if (s.type === 'string') expect(s.maxLength ?? s.enum, `${path}: unbounded string under a CEL rule`).toBeDefined();
      }
    }
  });
});

describe('defaulting', () => {
  it('fills a minimal TaskQueue spec the way the API server does', () => {
    expect(withTaskQueueDefaults({})).toEqual({
      storage: 'File',
      replicas: 1,
      limits: { discard: 'New' },
      retry: { maxAttempts: 5, backoff: { type: 'exponential', delay: '1s', maxDelay: '5m', jitter: true } },
      ackWait: '30s',
      maxInFlight: 10_000,
      maxDeliveries: 100,
      deadLetter: { enabled: true, maxAge: '336h' },
      results: { enabled: true, ttl: '24h' },
      dedupeWindow: '2m',
      unknownTaskGracePeriod: '10m',
      deletionPolicy: 'Retain',
    });
  });

  it('keeps what was written and fills only the rest, also inside nested objects', () => {
    const spec = withTaskQueueDefaults({ retry: { backoff: { type: 'list', delays: ['1s', '10s'] } }, limits: { maxAge: '1h' } });
    expect(spec.retry).toEqual({
      maxAttempts: 5,
      backoff: { type: 'list', delays: ['1s', '10s'], delay: '1s', maxDelay: '5m', jitter: true },
    });
    expect(spec.limits).toEqual({ maxAge: '1h', discard: 'New' });
  });

  it('fills a minimal WorkerPool spec, autoscaling on and able to scale to zero', () => {
    expect(withWorkerPoolDefaults({ queue: 'emails', image: 'app:1' })).toEqual({
      queue: 'emails',
      image: 'app:1',
      concurrency: 16,
      drainTimeout: '30s',
      autoscaling: {
        enabled: true,
        minReplicas: 0,
        maxReplicas: 10,
        activationBacklog: 0,
        targetBacklogPerReplica: 10,
        scaleUp: { stabilizationWindow: '0s' },
        scaleDown: { stabilizationWindow: '90s' },
        scaleToZeroCooldown: '2m',
        pollInterval: '1s',
      },
    });
  });

  it('does not share default objects between results', () => {
    const a = withTaskQueueDefaults({});
    a.retry.backoff.delay = '9s';
    expect(withTaskQueueDefaults({}).retry.backoff.delay).toBe('1s');
  });
});

describe('derived types', () => {
  it('make defaulted fields present when stored and optional when written', () => {
    expectTypeOf<TaskQueueSpec['storage']>().toEqualTypeOf<'File' | 'Memory'>();
    expectTypeOf<TaskQueueSpec['retry']['backoff']['delays']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<TaskQueueSpecInput>().toMatchTypeOf<{ storage?: 'File' | 'Memory' }>();
    expectTypeOf<WorkerPoolSpec['autoscaling']['minReplicas']>().toEqualTypeOf<number>();
    expectTypeOf<WorkerPoolSpec['autoscaling']['targetDrainTime']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<{ queue: string; image: string }>().toMatchTypeOf<WorkerPoolSpecInput>();
    expectTypeOf<{ image: string }>().not.toMatchTypeOf<WorkerPoolSpecInput>();
  });
});
