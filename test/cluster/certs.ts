import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.ts';

/** A PEM certificate with its PKCS#8 PEM key. */
export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface Ca extends KeyPair {
  readonly key: KeyObject;
  readonly subject: Buffer;
  readonly keyId: Buffer;
}

export interface CertRequest {
  commonName: string;
  /** Kubernetes reads a client certificate's O= entries as the user's groups. */
  organizations?: string[];
  /** DNS names and IP addresses for a serving certificate's subjectAltName. */
  hosts?: string[];
  usage: 'server' | 'client';
}

// Long enough for a demo left running; these certificates never leave the temp dir of one run.
const VALIDITY_MS = 365 * 24 * 3600 * 1000;
// Starts an hour back so a slightly skewed clock never sees a certificate "not yet valid".
const BACKDATE_MS = 3600 * 1000;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

// KeyUsage bits, counted from the most significant bit of the first byte (RFC 5280 4.2.1.3).
const DIGITAL_SIGNATURE = 0x80;
const KEY_CERT_SIGN = 0x04;
const CRL_SIGN = 0x02;

function name(commonName: string, organizations: string[] = []): Buffer {
  const rdn = (type: string, value: string) => set(sequence(oid(type), utf8String(value)));
  return sequence(...organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, commonName));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function altNames(hosts: string[]): Buffer {
  return sequence(
    ...hosts.map((h) =>
      isIP(h) === 4 ? implicit(7, Buffer.from(h.split('.').map(Number))) : implicit(2, Buffer.from(h, 'ascii')),
    ),
  );
}

function newKey(): { key: KeyObject; spki: Buffer; keyPem: string; keyId: Buffer } {
  // P-256 keys take a millisecond to make, RSA keys tens: a start per test file pays for several.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    key: privateKey,
    spki,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: createHash('sha1').update(spki).digest(),
  };
}

function certificate(opts: {
  subject: Buffer;
  spki: Buffer;
  keyId: Buffer;
  issuer: Buffer;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  extensions: Buffer[];
}): string {
  const now = Date.now();
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    explicit(0, smallInteger(2)), // X.509 v3
    unsignedInteger(serial),
    algorithm,
    opts.issuer,
    sequence(time(new Date(now - BACKDATE_MS)), time(new Date(now + VALIDITY_MS))),
    opts.subject,
    opts.spki,
    explicit(
      3,
      sequence(
        extension(OID.subjectKeyId, false, octetString(opts.keyId)),
        extension(OID.authorityKeyId, false, sequence(implicit(0, opts.issuerKeyId))),
        ...opts.extensions,
      ),
    ),
  );
  const der = sequence(tbs, algorithm, bitString(sign('sha256', tbs, opts.issuerKey)));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed CA that signs the API server's serving certificate and client certificates. */
export function createCa(commonName = 'celeriac-test-ca'): Ca {
  const k = newKey();
  const subject = name(commonName);
  const certPem = certificate({
    subject,
    spki: k.spki,
    keyId: k.keyId,
    issuer: subject,
    issuerKey: k.key,
    issuerKeyId: k.keyId,
    extensions: [
      extension(OID.keyUsage, true, namedBits(DIGITAL_SIGNATURE | KEY_CERT_SIGN | CRL_SIGN)),
      extension(OID.basicConstraints, true, sequence(boolean(true))),
    ],
  });
  return { certPem, keyPem: k.keyPem, key: k.key, subject, keyId: k.keyId };
}

/** A CA saved by createCa(), read back (e.g. in another process) to issue more certificates. */
export function loadCa(certPem: string, keyPem: string): Ca {
  const cert = new X509Certificate(certPem);
  const commonName = /^CN=(.*)$/.exec(cert.subject)?.[1];
  if (!commonName) throw new Error(`not a CA made by createCa(): subject ${cert.subject}`);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    certPem,
    keyPem,
    key: createPrivateKey(keyPem),
    subject: name(commonName),
    keyId: createHash('sha1').update(spki).digest(),
  };
}

/** A leaf certificate signed by `ca`: a serving certificate for `hosts`, or a client identity. */
export function issueCertificate(ca: Ca, req: CertRequest): KeyPair {
  const k = newKey();
  const extensions = [
    extension(OID.keyUsage, true, namedBits(DIGITAL_SIGNATURE)),
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.extKeyUsage, false, sequence(oid(req.usage === 'server' ? OID.serverAuth : OID.clientAuth))),
  ];
  if (req.hosts?.length) extensions.push(extension(OID.subjectAltName, false, altNames(req.hosts)));
  const certPem = certificate({
    subject: name(req.commonName, req.organizations),
    spki: k.spki,
    keyId: k.keyId,
    issuer: ca.subject,
    issuerKey: ca.key,
    issuerKeyId: ca.keyId,
    extensions,
  });
  return { certPem, keyPem: k.keyPem };
}

/** The key pair the API server signs ServiceAccount tokens with (and verifies them against). */
export function serviceAccountKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
