import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

/**
 * TLS between Tenure and a Temporal cluster: the CA that signed the frontend's certificate, and,
 * where the cluster requires client certificates (mTLS), Tenure's own certificate and key. Read
 * from PEM files named by TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, with
 * TEMPORAL_TLS_SERVER_NAME when the address is not a name the frontend's certificate holds.
 */
export interface TemporalTls {
  /** PEM; unset, the system's trusted CAs verify the frontend. */
  ca?: Buffer;
  /** PEM certificate and key, both or neither. */
  clientCert?: { cert: Buffer; key: Buffer };
  serverName?: string;
}

export const TEMPORAL_TLS_VARIABLES = ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME'] as const;

/** A file's contents; the error names the variable and the path, never what the file holds. */
function readPem(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of a PEM file`);
  }
}

function certificateFrom(name: string, file: string): { pem: Buffer; certificate: X509Certificate } {
  const pem = readPem(name, file);
  try {
    return { pem, certificate: new X509Certificate(pem) };
  } catch {
    throw new Error(`${name}: ${file} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
}

function privateKeyFrom(file: string): { pem: Buffer; key: KeyObject } {
  const pem = readPem('TEMPORAL_TLS_KEY', file);
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch {
    // Not the parser's message: it could quote the file.
    throw new Error(`TEMPORAL_TLS_KEY: ${file} is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)`);
  }
}

/**
 * The TLS settings in `env`, checked now so that a wrong file is said at start, by variable and
 * path, rather than as a handshake failure later; undefined when none is set (plain gRPC).
 */
export function temporalTlsFrom(env: NodeJS.ProcessEnv = process.env): TemporalTls | undefined {
  const { TEMPORAL_TLS_CA: caFile, TEMPORAL_TLS_CERT: certFile, TEMPORAL_TLS_KEY: keyFile, TEMPORAL_TLS_SERVER_NAME: serverName } = env;
  if (!caFile && !certFile && !keyFile && !serverName) return undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    const [set, unset] = certFile ? ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'] : ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT'];
    throw new Error(`${set} is set but ${unset} is not: a client certificate needs its private key, and the key its certificate; set both, or neither`);
  }
  const tls: TemporalTls = {};
  if (caFile) tls.ca = certificateFrom('TEMPORAL_TLS_CA', caFile).pem;
  if (certFile && keyFile) {
    const { pem: cert, certificate } = certificateFrom('TEMPORAL_TLS_CERT', certFile);
    const { pem: key, key: privateKey } = privateKeyFrom(keyFile);
    // A mismatched pair fails the handshake with a message about neither file.
    if (!certificate.checkPrivateKey(privateKey)) throw new Error(`TEMPORAL_TLS_KEY (${keyFile}) is not the private key of TEMPORAL_TLS_CERT (${certFile})`);
    tls.clientCert = { cert, key };
  }
  if (serverName) tls.serverName = serverName;
  return tls;
}

/**
 * What every connection to Temporal is opened with, the workers' (NativeConnection) and the
 * clients' (Connection) alike, so that both speak to the cluster the same way. `tls` defaults to
 * the environment's settings; null means plain gRPC whatever the environment says.
 */
export function temporalConnectionOptions(address: string, tls: TemporalTls | null | undefined = temporalTlsFrom()): { address: string; tls?: TLSConfig } {
  if (!tls) return { address };
  return {
    address,
    tls: {
      ...(tls.ca ? { serverRootCACertificate: tls.ca } : {}),
      ...(tls.clientCert ? { clientCertPair: { crt: tls.clientCert.cert, key: tls.clientCert.key } } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    },
  };
}
