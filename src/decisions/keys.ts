import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writePrivateFileSync } from '../runtime/private-file.ts';

/**
 * Tenure's decision key (Ed25519). The intake signs decisions with the private key after it has
 * authenticated the person; a worker needs only the public key to check them. In production set
 * TENURE_DECISION_KEY (PEM private key; the intake) and TENURE_DECISION_PUBLIC_KEY (PEM public
 * key; workers). Neither set, the sandbox keeps a key pair of its own under the data folder; a
 * real org gets none, since a key made up on one machine would verify nothing the intake signed.
 */
export interface DecisionKeys {
  /** Only where decisions are signed: the intake, or a sandbox's single process. */
  signing: KeyObject | undefined;
  /** Unset only off the sandbox with neither variable: every decision is then refused, saying so. */
  verifying: KeyObject | undefined;
}

function readKey(variable: string, file: string, read: (pem: string) => KeyObject): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = read(pem);
  } catch {
    // The parser's message may quote the file; say only what is wrong.
    throw new Error(`${variable}: ${file} is not a PEM key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${variable}: ${file} is a ${key.asymmetricKeyType} key; Tenure signs decisions with Ed25519 (openssl genpkey -algorithm ed25519)`);
  return key;
}

export function decisionKeysFrom(env: NodeJS.ProcessEnv, dataDir: string, sandbox: boolean): DecisionKeys {
  const privateFile = env.TENURE_DECISION_KEY || undefined;
  const publicFile = env.TENURE_DECISION_PUBLIC_KEY || undefined;
  if (privateFile) {
    const signing = readKey('TENURE_DECISION_KEY', privateFile, (pem) => createPrivateKey(pem));
    const verifying = publicFile ? readKey('TENURE_DECISION_PUBLIC_KEY', publicFile, (pem) => createPublicKey(pem)) : createPublicKey(signing);
    if (!verifying.equals(createPublicKey(signing))) throw new Error('TENURE_DECISION_PUBLIC_KEY is not the public half of TENURE_DECISION_KEY');
    return { signing, verifying };
  }
  if (publicFile) return { signing: undefined, verifying: readKey('TENURE_DECISION_PUBLIC_KEY', publicFile, (pem) => createPublicKey(pem)) };
  return sandbox ? sandboxKeys(dataDir) : { signing: undefined, verifying: undefined };
}

/** The sandbox's own pair, made on first use and kept (0600) so decisions signed before a restart still verify. */
function sandboxKeys(dataDir: string): DecisionKeys {
  const file = path.join(dataDir, 'decision-key.pem');
  let signing: KeyObject;
  try {
    signing = createPrivateKey(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the sandbox's decision key ${file} cannot be read; delete it to make a new one`);
    signing = generateKeyPairSync('ed25519').privateKey;
    writePrivateFileSync(file, signing.export({ type: 'pkcs8', format: 'pem' }) as string);
  }
  return { signing, verifying: createPublicKey(signing) };
}
