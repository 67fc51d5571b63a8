/** How a kubeconfig's user proves who it is. */
export type Credentials = { token: string } | { certPem: string; keyPem: string };

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A single-context kubeconfig for the test API server. JSON is valid YAML, so kubectl, helm, kwok,
 * the Kubernetes components and @kubernetes/client-node all read it without a YAML writer here.
 */
export function kubeconfig(opts: { server: string; caPem: string; userName: string; credentials: Credentials }): string {
  const c = opts.credentials;
  const user = 'token' in c ? { token: c.token } : { 'client-certificate-data': b64(c.certPem), 'client-key-data': b64(c.keyPem) };
  return (
    JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'celeriac-test', cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
        users: [{ name: opts.userName, user }],
        contexts: [{ name: 'celeriac-test', context: { cluster: 'celeriac-test', user: opts.userName, namespace: 'default' } }],
        'current-context': 'celeriac-test',
        preferences: {},
      },
      null,
      2,
    ) + '\n'
  );
}
