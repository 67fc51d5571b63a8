// Command lines of the control plane's servers. Modelled on controller-runtime's envtest (etcd +
// kube-apiserver) plus what a simulated cluster needs (controller-manager, scheduler, kwok).
import { join } from 'node:path';

/** Where one run keeps its files, and the ports it got. */
export interface Layout {
  dir: string;
  etcdPort: number;
  etcdPeerPort: number;
  apiPort: number;
}

export const paths = (dir: string) => ({
  logs: join(dir, 'logs'),
  etcdData: join(dir, 'etcd'),
  pki: join(dir, 'pki'),
  caCert: join(dir, 'pki', 'ca.crt'),
  caKey: join(dir, 'pki', 'ca.key'),
  servingCert: join(dir, 'pki', 'apiserver.crt'),
  servingKey: join(dir, 'pki', 'apiserver.key'),
  saKey: join(dir, 'pki', 'sa.key'),
  saPub: join(dir, 'pki', 'sa.pub'),
  tokens: join(dir, 'pki', 'tokens.csv'),
  kubeconfig: join(dir, 'kubeconfig'),
  users: join(dir, 'users'),
});

// Kept apart so a Service's cluster IP can never look like a pod IP in a test's assertions.
export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
/** The first address of SERVICE_CIDR: the `kubernetes` Service, so it is in the serving cert. */
export const API_SERVICE_IP = '10.96.0.1';
/** Nodes kwok manages carry this annotation; kwok leaves any other node alone. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function etcdArgs(l: Layout): string[] {
  return [
    '--name=celeriac-test',
    `--data-dir=${paths(l.dir).etcdData}`,
    `--listen-client-urls=http://127.0.0.1:${l.etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${l.etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${l.etcdPeerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${l.etcdPeerPort}`,
    `--initial-cluster=celeriac-test=http://127.0.0.1:${l.etcdPeerPort}`,
    // Throwaway data: skipping fsync makes every write, and so every test, much faster.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiServerArgs(l: Layout, profile: 'api' | 'cluster'): string[] {
  const p = paths(l.dir);
  return [
    `--etcd-servers=http://127.0.0.1:${l.etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // Endpoints may not point at loopback, so the `kubernetes` Service gets no endpoints; nothing
    // runs in these clusters that would dial it.
    '--endpoint-reconciler-type=none',
    `--secure-port=${l.apiPort}`,
    `--tls-cert-file=${p.servingCert}`,
    `--tls-private-key-file=${p.servingKey}`,
    `--client-ca-file=${p.caCert}`,
    `--token-auth-file=${p.tokens}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p.saPub}`,
    `--service-account-signing-key-file=${p.saKey}`,
    '--allow-privileged=true',
    // With no controller-manager nobody creates the `default` ServiceAccount a pod needs, so
    // the `api` profile drops that admission plugin as envtest does. The `cluster` profile keeps
    // it, as a real cluster would: a pod naming a missing ServiceAccount is refused.
    ...(profile === 'api' ? ['--disable-admission-plugins=ServiceAccount'] : []),
  ];
}

export function controllerManagerArgs(dir: string): string[] {
  const p = paths(dir);
  return [
    `--kubeconfig=${p.kubeconfig}`,
    '--leader-elect=false',
    '--controllers=*',
    // Signs the legacy ServiceAccount token Secrets and publishes the CA in kube-root-ca.crt.
    `--service-account-private-key-file=${p.saKey}`,
    `--root-ca-file=${p.caCert}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0', // no metrics/health endpoint: readiness is judged by what it does
  ];
}

export function schedulerArgs(dir: string): string[] {
  return [`--kubeconfig=${paths(dir).kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0'];
}

/** kwok plays the kubelet of every fake node: it marks them Ready and pods bound to them Running. */
export function kwokArgs(dir: string, stageFiles: string[]): string[] {
  return [
    `--kubeconfig=${paths(dir).kubeconfig}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
    `--cidr=${POD_CIDR}`,
    '--node-ip=127.0.0.1',
    ...stageFiles.map((f) => `--config=${f}`),
  ];
}
