import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from './kube.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(repoRoot, 'helm', 'celeriac');

/** A rendered Kubernetes object, loosely typed: tests read the fields they check. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

export interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Array<{ name: string; image: string; env?: EnvVar[]; securityContext?: Record<string, unknown>; resources?: Record<string, Record<string, string>>; volumeMounts?: Array<{ name: string; mountPath: string }> }>;
  volumes?: Array<{ name: string; emptyDir?: object; secret?: { secretName: string; items?: Array<{ key: string; path: string }> } }>;
}

export interface DeploymentManifest extends Manifest {
  spec: { replicas: number; strategy?: { type: string }; template: { spec: PodSpec } };
}

/** `helm template` of the chart; fails the test with helm's message if rendering fails. */
export async function renderChart(cp: ControlPlane, release: string, namespace: string, args: string[] = []): Promise<string> {
  const res = await cp.helm(['template', release, chartDir, '--namespace', namespace, ...args]);
  if (res.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

export function manifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export function only<T extends Manifest = Manifest>(objs: Manifest[], kind: string, name?: string): T {
  const hits = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0] as T;
}

/**
 * The operator container's environment as a process gets it: literal values, and the downward
 * API's metadata.namespace resolved to `namespace`. Anything else (Secret references) is refused:
 * tests that need it set it themselves.
 */
export function operatorEnv(deployment: DeploymentManifest, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0]!.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else throw new Error(`env ${e.name} comes from ${JSON.stringify(e.valueFrom)}: not resolvable outside a pod`);
  }
  return env;
}

/** Leaf keys of values.yaml with their defaults (non-empty maps are walked, lists are leaves). */
export function valueLeaves(values: unknown, prefix = ''): Array<[string, unknown]> {
  if (values === null || typeof values !== 'object' || Array.isArray(values) || Object.keys(values).length === 0) return [[prefix, values]];
  return Object.entries(values).flatMap(([k, v]) => valueLeaves(v, prefix ? `${prefix}.${k}` : k));
}

export function readChartFile(path: string): string {
  return readFileSync(join(chartDir, path), 'utf8');
}
