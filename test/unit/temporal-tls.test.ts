import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config.ts';
import { temporalConnectionOptions, temporalTlsFrom } from '../../src/runtime/temporal-tls.ts';

const run = promisify(execFile);
let dir: string;
const file = (name: string) => path.join(dir, name);

/** A CA and a client certificate it signed, as scripts/production/up.sh makes them, and a second key that is not the certificate's. */
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tenure-tls-'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...key, '-days', '1', '-subj', '/CN=test CA', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  await run('openssl', ['req', '-new', ...key, '-subj', '/CN=tenure', '-keyout', file('client.key'), '-out', file('client.csr')]);
  await run('openssl', ['x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-out', file('client.pem')]);
  await writeFile(file('notes.txt'), 'not a certificate');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('TEMPORAL_TLS_*: how Tenure reaches a Temporal cluster over TLS', () => {
  it('is plain gRPC when nothing is set', () => {
    expect(temporalTlsFrom({})).toBeUndefined();
    expect(temporalConnectionOptions('127.0.0.1:7233', temporalTlsFrom({}))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('gives workers and clients the CA, the client certificate with its key, and the server name', async () => {
    const tls = temporalTlsFrom({ TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key'), TEMPORAL_TLS_SERVER_NAME: 'temporal' });
    expect(temporalConnectionOptions('temporal:7233', tls)).toEqual({
      address: 'temporal:7233',
      tls: {
        serverRootCACertificate: await readFile(file('ca.pem')),
        clientCertPair: { crt: await readFile(file('client.pem')), key: await readFile(file('client.key')) },
        serverNameOverride: 'temporal',
      },
    });
  });

  it('refuses a certificate without its key, and a key without its certificate', () => {
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_CERT: file('client.pem') })).toThrow('TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not');
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_KEY: file('client.key') })).toThrow('TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not');
  });

  it('names the variable and the path of a file it cannot use, never what the file holds', () => {
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_CA: file('missing.pem') })).toThrow(`TEMPORAL_TLS_CA: cannot read ${file('missing.pem')} (ENOENT)`);
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_CA: file('notes.txt') })).toThrow(`TEMPORAL_TLS_CA: ${file('notes.txt')} is not a PEM certificate`);
    // A private key given where the certificate goes: said, and not quoted.
    let message = '';
    try {
      temporalTlsFrom({ TEMPORAL_TLS_CERT: file('client.key'), TEMPORAL_TLS_KEY: file('client.key') });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`TEMPORAL_TLS_CERT: ${file('client.key')} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('notes.txt') })).toThrow(`TEMPORAL_TLS_KEY: ${file('notes.txt')} is not an unencrypted PEM private key`);
  });

  it('refuses a key that is not the certificate’s, which the handshake would only fail on later', () => {
    expect(() => temporalTlsFrom({ TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('ca.key') })).toThrow(
      `TEMPORAL_TLS_KEY (${file('ca.key')}) is not the private key of TEMPORAL_TLS_CERT (${file('client.pem')})`,
    );
  });

  it('is refused at start without TEMPORAL_ADDRESS: the dev server Tenure starts speaks plain gRPC', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CA: file('ca.pem') })).toThrow('TEMPORAL_TLS_CA is set but TEMPORAL_ADDRESS is not');
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: file('ca.pem') }).temporalTls).toEqual({ ca: expect.any(Buffer) });
  });
});
