import { X509Certificate } from 'node:crypto';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createCa, issueCertificate, loadCa } from './certs.ts';

describe('test certificates', () => {
  const ca = createCa();

  it('makes a self-signed CA certificate', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=celeriac-test-ca');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
  });

  it('issues a client certificate whose organizations become Kubernetes groups', () => {
    const pair = issueCertificate(ca, { commonName: 'alice', organizations: ['team-a', 'team-b'], usage: 'client' });
    const cert = new X509Certificate(pair.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.subject.split('\n')).toEqual(['O=team-a', 'O=team-b', 'CN=alice']);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('issues certificates from a CA read back from its PEM files, chaining to the original', () => {
    const again = loadCa(ca.certPem, ca.keyPem);
    const cert = new X509Certificate(issueCertificate(again, { commonName: 'bob', usage: 'client' }).certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.issuer).toBe(caCert.subject);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
  });

  it('issues a serving certificate that a TLS client trusting only the CA accepts', async () => {
    const pair = issueCertificate(ca, { commonName: 'srv', hosts: ['127.0.0.1', 'localhost'], usage: 'server' });
    expect(new X509Certificate(pair.certPem).subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('ok');
      const other = createCa('another-ca');
      await expect(
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, ca: other.certPem }, resolve);
          req.on('error', reject);
          req.end();
        }),
      ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      server.close();
    }
  });
});
