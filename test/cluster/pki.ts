import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { API_SERVICE_IP, paths } from './components.ts';
import { createCa, issueCertificate, serviceAccountKeys } from './certs.ts';

/** The admin identity of every test control plane; its token is in tokens.csv. */
export const ADMIN_USER = 'celeriac-admin';

/**
 * Writes a fresh CA, the API server's serving certificate, the ServiceAccount signing keys and the
 * static token file of one run, and returns the CA and the admin's token.
 */
export function writePki(dir: string): { caPem: string; adminToken: string } {
  const p = paths(dir);
  mkdirSync(p.pki, { recursive: true, mode: 0o700 });
  const ca = createCa();
  writeFileSync(p.caCert, ca.certPem);
  writeFileSync(p.caKey, ca.keyPem, { mode: 0o600 });
  const serving = issueCertificate(ca, {
    commonName: 'kube-apiserver',
    // What in-cluster clients and local ones dial: loopback, and the `kubernetes` Service.
    hosts: [
      '127.0.0.1',
      'localhost',
      API_SERVICE_IP,
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    usage: 'server',
  });
  writeFileSync(p.servingCert, serving.certPem);
  writeFileSync(p.servingKey, serving.keyPem, { mode: 0o600 });
  const sa = serviceAccountKeys();
  writeFileSync(p.saKey, sa.privatePem, { mode: 0o600 });
  writeFileSync(p.saPub, sa.publicPem);
  const adminToken = randomBytes(24).toString('hex');
  // token,user,uid,"group,..." (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file)
  writeFileSync(p.tokens, `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
  return { caPem: ca.certPem, adminToken };
}
