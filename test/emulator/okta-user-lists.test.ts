import { beforeAll, describe, expect, it } from 'vitest';
import { expectOktaError, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

const BULK_USERS = 450;
const createdIds = new Set<string>();
let deactivatedId: string;

async function collectIds(list: Promise<AsyncIterable<{ id?: string } | null>>): Promise<string[]> {
  const ids: string[] = [];
  for await (const user of await list) ids.push(user!.id!);
  return ids;
}

/** Fetches one page through the SDK's raw HTTP helper, to see what a single answer holds. */
async function fetchPage(url: string): Promise<{ count: number; links: string }> {
  const response = await env.client.http.http(url);
  const body = (await response.json()) as unknown[];
  return { count: body.length, links: response.headers.get('link') ?? '' };
}

beforeAll(async () => {
  for (let i = 0; i < BULK_USERS; i++) {
    const login = `bulk${String(i).padStart(3, '0')}@example.com`;
    const user = await env.client.userApi.createUser({
      body: { profile: { login, email: login, firstName: `Bulk${i}`, lastName: i % 2 === 0 ? 'Even' : 'Odd' } },
    });
    createdIds.add(user.id!);
  }
  const named = await env.client.userApi.createUser({
    body: { profile: { login: 'zoe.quartz@example.com', email: 'zq@mail.example.org', firstName: 'Zoe', lastName: 'Quartz' } },
  });
  const gone = await env.client.userApi.createUser({
    body: { profile: { login: 'zed.quartz@example.com', email: 'zed@example.com', firstName: 'Zed', lastName: 'Quartz' } },
  });
  await env.client.userApi.deactivateUser({ userId: gone.id! });
  createdIds.add(named.id!);
  deactivatedId = gone.id!;
}, 60_000);

describe('listing users', () => {
  it('pages through every user exactly once with for await', async () => {
    const ids = await collectIds(env.client.userApi.listUsers({ limit: 200 }));
    expect(ids).toHaveLength(createdIds.size);
    expect(new Set(ids)).toEqual(createdIds);
  });

  it('serves pages of the limit with a next link only while more remain', async () => {
    const pages: number[] = [];
    let url: string | undefined = `${env.emulator.url}/api/v1/users?limit=200`;
    while (url) {
      const page = await fetchPage(url);
      expect(page.links).toContain(`<${url}>; rel="self"`);
      pages.push(page.count);
      url = /<([^>]+)>; rel="next"/.exec(page.links)?.[1];
      if (url) expect(url.startsWith(`${env.emulator.url}/api/v1/users?`)).toBe(true);
    }
    expect(pages).toEqual([200, 200, createdIds.size - 400]);
  });

  it('omits deactivated users from a plain list but not from a search', async () => {
    const plain = await collectIds(env.client.userApi.listUsers({}));
    expect(plain).not.toContain(deactivatedId);
    const searched = await collectIds(env.client.userApi.listUsers({ search: 'status eq "DEPROVISIONED"' }));
    expect(searched).toEqual([deactivatedId]);
  });

  it('matches q as a case-insensitive prefix of first name, last name or email, 10 by default', async () => {
    const byLastName = await collectIds(env.client.userApi.listUsers({ q: 'quartz' }));
    expect(byLastName).toHaveLength(1); // the deactivated Zed Quartz is left out
    const byEmail = await collectIds(env.client.userApi.listUsers({ q: 'ZQ@' }));
    expect(byEmail).toEqual(byLastName);
    expect(await collectIds(env.client.userApi.listUsers({ q: 'bulk' }))).toHaveLength(10);
    expect(await collectIds(env.client.userApi.listUsers({ q: 'bulk', limit: 25 }))).toHaveLength(25);
    expect(await collectIds(env.client.userApi.listUsers({ q: 'example' }))).toEqual([]);
  });

  it('finds users with a filter or a search on login and status', async () => {
    const [zoe] = await collectIds(env.client.userApi.listUsers({ filter: 'profile.login eq "zoe.quartz@example.com"' }));
    expect(zoe).toBeDefined();
    expect(await collectIds(env.client.userApi.listUsers({ search: 'profile.login eq "ZOE.QUARTZ@example.com"' }))).toEqual([zoe]);
    const odd = await collectIds(env.client.userApi.listUsers({ search: 'profile.lastName eq "Odd" and status eq "ACTIVE"' }));
    expect(odd).toEqual([]); // bulk users were activated without a password
    const provisionedOdd = await collectIds(
      env.client.userApi.listUsers({ search: 'profile.lastName eq "Odd" and status eq "PROVISIONED"', limit: 50 }),
    );
    expect(provisionedOdd).toHaveLength(BULK_USERS / 2);
  });

  it('refuses malformed or unsupported expressions with E0000031', async () => {
    const invalid = { status: 400, errorCode: 'E0000031', errorSummary: 'Invalid search criteria.' };
    for (const query of [
      { search: 'profile.login equals "x"' },
      { search: 'profile.login eq "unterminated' },
      { search: 'status eq "ACTIVE" and' },
      { filter: 'profile.city eq "Berlin"' },
      { filter: 'status sw "ACT"' },
    ]) {
      await expectOktaError(collectIds(env.client.userApi.listUsers(query)), invalid);
    }
  });
});
