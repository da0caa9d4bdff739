import { encryptionKeysFrom } from '../../src/payload-encryption/keys.ts';

/**
 * A fixed test key, not a secret: it encrypted the `*-encrypted.json` histories the replay test
 * decrypts, so it must not change. Written as TENURE_ENCRYPTION_KEYS would hold it.
 */
export const TEST_ENCRYPTION_KEYS = `test-2025:${Buffer.alloc(32, 'tenure-test-key-').toString('base64')}`;
export const testEncryptionKeys = () => encryptionKeysFrom(TEST_ENCRYPTION_KEYS)!;
