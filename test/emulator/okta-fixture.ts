import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, expect } from 'vitest';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../src/emulator/okta/server.ts';
import type { LogEvent } from '../../src/emulator/okta/system-log.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';

type OktaApiError = InstanceType<typeof okta.OktaApiError>;

export const TOKEN = 'test-api-token-0123456789';

export interface EmulatorFixture {
  emulator: OktaEmulator;
  client: OktaClient;
}

/** Starts an emulator on a free port for the enclosing test file and a real SDK client for it. */
export function useOktaEmulator(options: Omit<OktaEmulatorOptions, 'token' | 'port'> = {}): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  beforeAll(async () => {
    fixture.emulator = await startOktaEmulator({ ...options, token: TOKEN, port: 0 });
    fixture.client = createOktaClient({ orgUrl: fixture.emulator.url, token: TOKEN });
  });
  afterAll(async () => {
    await fixture.emulator?.close();
  });
  return fixture;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Calls the emulator through the SDK's own HTTP layer (its auth header, its error handling) for
 * requests no generated operation makes. The SDK types its options with node-fetch's types,
 * which are not installed, hence the cast.
 */
export function rawRequest(fixture: EmulatorFixture, path: string, init: RawRequest = {}) {
  type Options = Parameters<OktaClient['http']['http']>[1];
  return fixture.client.http.http(`${fixture.emulator.url}${path}`, init as Options);
}

/** Every item of an SDK collection, following its `next` links. */
export async function collect<T>(list: Promise<AsyncIterable<T | null>>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of await list) items.push(item!);
  return items;
}

/** The System Log entries about an object (a user, a group), oldest first. */
export function logEntriesAbout(fixture: EmulatorFixture, id: string): LogEvent[] {
  return fixture.emulator.store.log.all().filter((event) => event.target.some((target) => target.id === id));
}

let sequence = 0;

type AttributeValue = string | number | boolean | null;

export interface TestProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  [attribute: string]: AttributeValue;
}

/** A valid profile with a login no other test uses. */
export function newProfile(overrides: Record<string, AttributeValue | undefined> = {}): TestProfile {
  sequence += 1;
  const login = `user${sequence}.${Date.now()}@example.com`;
  const profile: TestProfile = { login, email: login, firstName: `First${sequence}`, lastName: `Last${sequence}` };
  for (const [attribute, value] of Object.entries(overrides)) if (value !== undefined) profile[attribute] = value;
  return profile;
}

export interface ExpectedOktaError {
  status: number;
  errorCode: string;
  errorSummary: string;
  causes?: string[];
}

/** Asserts that an SDK call was refused with the given Okta error. */
export async function expectOktaError(call: Promise<unknown>, expected: ExpectedOktaError): Promise<void> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(okta.OktaApiError);
  const apiError = error as OktaApiError;
  expect({ status: apiError.status, errorCode: apiError.errorCode, errorSummary: apiError.errorSummary }).toEqual({
    status: expected.status,
    errorCode: expected.errorCode,
    errorSummary: expected.errorSummary,
  });
  expect(apiError.errorLink).toBe(expected.errorCode);
  expect(apiError.errorId).toMatch(/^oae[A-Za-z0-9_-]{22}$/);
  expect(apiError.errorCauses?.map((cause) => cause.errorSummary)).toEqual(expected.causes ?? []);
}
