import { beforeAll, describe, expect, it } from 'vitest';
import { createOktaClient } from '../../src/okta/client.ts';
import { TOKEN, collect, expectOktaError, useOktaEmulator } from './okta-fixture.ts';

// The org's clock moves only when a test moves it, so every user has a known lastUpdated.
let clock = Date.parse('2024-03-01T00:00:00.000Z');
const env = useOktaEmulator({ now: () => clock });

const BULK_USERS = 1050;
const PAGE = 200;

interface Listed {
  id: string;
  status: string;
  lastUpdated: string;
  profile: Record<string, string>;
}

/** Every user the org holds, deactivated ones too, as the API answers them: the org's super admin first. */
const everyone: Listed[] = [];
let zoe: Listed;
let zed: Listed;
let ada: Listed;

async function createUser(profile: Record<string, string>, options: { activate?: boolean; password?: boolean } = {}): Promise<Listed> {
  clock += 1000;
  const user = await env.client.userApi.createUser({
    body: { profile, ...(options.password ? { credentials: { password: { value: 'Tr0ub4dor&3xyz' } } } : {}) },
    activate: options.activate ?? true,
  });
  const listed = { id: user.id!, status: user.status!, lastUpdated: user.lastUpdated!.toISOString(), profile: profile };
  everyone.push(listed);
  return listed;
}

const ids = (users: Array<{ id?: string }>) => users.map((user) => user.id!);
const idsOf = async (query: Parameters<typeof env.client.userApi.listUsers>[0]) => ids(await collect(env.client.userApi.listUsers(query)));

/** Fetches one page through the SDK's raw HTTP helper, to see what a single answer holds. */
async function fetchPage(url: string): Promise<{ ids: string[]; links: string }> {
  const response = await env.client.http.http(url);
  return { ids: ((await response.json()) as Listed[]).map((user) => user.id), links: response.headers.get('link') ?? '' };
}

const nextLink = (links: string) => /<([^>]+)>; rel="next"/.exec(links)?.[1];

beforeAll(async () => {
  const admin = await env.client.userApi.getUser({ userId: 'me' });
  everyone.push({ id: admin.id!, status: admin.status!, lastUpdated: admin.lastUpdated!.toISOString(), profile: admin.profile as Record<string, string> });
  for (let i = 0; i < BULK_USERS; i++) {
    const login = `bulk${String(i).padStart(4, '0')}@example.com`;
    await createUser({ login, email: login, firstName: `Bulk${i}`, lastName: i % 2 === 0 ? 'Even' : 'Odd' });
  }
  zoe = await createUser(
    { login: 'zoe.quartz@example.com', email: 'zq@mail.example.org', firstName: 'Zoe', lastName: 'Quartz', department: 'Research' },
    { password: true },
  );
  zed = await createUser({ login: 'zed.quartz@example.com', email: 'zed@example.com', firstName: 'Zed', lastName: 'Quartz', department: 'Sales' });
  ada = await createUser({ login: 'ada@example.com', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', department: '' }, { activate: false });
  clock += 1000;
  await env.client.userApi.deactivateUser({ userId: zed.id });
  zed.status = 'DEPROVISIONED';
  zed.lastUpdated = new Date(clock).toISOString();
}, 120_000);

describe('paging', () => {
  const active = () => everyone.filter((user) => user.status !== 'DEPROVISIONED');

  it('pages through more than a thousand users exactly once with for await', async () => {
    expect(await idsOf({ limit: PAGE })).toEqual(ids(active()));
  });

  it('serves pages of the limit, with a next link only while more remain', async () => {
    const sizes: number[] = [];
    let url: string | undefined = `${env.emulator.url}/api/v1/users?limit=${PAGE}`;
    while (url) {
      const page = await fetchPage(url);
      expect(page.links).toContain(`<${url}>; rel="self"`);
      sizes.push(page.ids.length);
      url = nextLink(page.links);
    }
    const total = active().length;
    expect(sizes).toEqual([...Array<number>(Math.floor(total / PAGE)).fill(PAGE), total % PAGE]);
  });

  it('has no next link when the last page is exactly full', async () => {
    const search = encodeURIComponent('profile.lastName eq "Quartz"');
    const page = await fetchPage(`${env.emulator.url}/api/v1/users?search=${search}&limit=2`);
    expect(page.ids).toEqual([zoe.id, zed.id]);
    expect(nextLink(page.links)).toBeUndefined();
  });

  it('links on the origin the client called', async () => {
    const viaLocalhost = env.emulator.url.replace('127.0.0.1', 'localhost');
    const client = createOktaClient({ orgUrl: viaLocalhost, token: TOKEN });
    const response = await client.http.http(`${viaLocalhost}/api/v1/users?limit=5`);
    expect(nextLink(response.headers.get('link') ?? '')).toMatch(new RegExp(`^${viaLocalhost}/api/v1/users\\?limit=5&after=`));
    expect(ids(await collect(client.userApi.listUsers({ limit: 500 })))).toHaveLength(active().length);
  });

  it('leaves deactivated users out of a plain list but not out of a search or a filter', async () => {
    expect(await idsOf({})).not.toContain(zed.id);
    expect(await idsOf({ search: 'status eq "DEPROVISIONED"' })).toEqual([zed.id]);
    expect(await idsOf({ filter: 'status eq "DEPROVISIONED"' })).toEqual([zed.id]);
  });
});

describe('q', () => {
  it('matches a case-insensitive prefix of first name, last name or email, 10 users unless asked for more', async () => {
    const byLastName = await idsOf({ q: 'quartz' });
    expect(byLastName).toEqual([zoe.id]); // the deactivated Zed Quartz is left out
    expect(await idsOf({ q: 'ZQ@' })).toEqual([zoe.id]);
    expect(await idsOf({ q: 'bulk' })).toHaveLength(10);
    expect(await idsOf({ q: 'bulk', limit: 25 })).toHaveLength(25);
    expect(await idsOf({ q: 'example' })).toEqual([]);
  });
});

describe('filter', () => {
  const admin = () => everyone[0]!;
  const bulk = (i: number) => everyone[i + 1]!;

  it('matches eq on each filterable attribute, values case-sensitively', async () => {
    expect(await idsOf({ filter: `id eq "${zoe.id}"` })).toEqual([zoe.id]);
    expect(await idsOf({ filter: 'profile.login eq "zoe.quartz@example.com"' })).toEqual([zoe.id]);
    expect(await idsOf({ filter: 'profile.login eq "ZOE.QUARTZ@example.com"' })).toEqual([]);
    expect(await idsOf({ filter: 'profile.email eq "zq@mail.example.org"' })).toEqual([zoe.id]);
    expect(await idsOf({ filter: 'profile.firstName eq "Zed"' })).toEqual([zed.id]);
    expect(await idsOf({ filter: 'profile.lastName eq "Lovelace"' })).toEqual([ada.id]);
    expect(await idsOf({ filter: 'status eq "STAGED"' })).toEqual([ada.id]);
    const typeId = (await env.client.userApi.getUser({ userId: zoe.id })).type!.id;
    expect(await idsOf({ filter: `type.id eq "${typeId}"`, limit: PAGE })).toHaveLength(everyone.length);
  });

  it('bounds lastUpdated with gt, ge, lt and le, combined with and and or', async () => {
    const at = (i: number) => bulk(i).lastUpdated;
    expect(await idsOf({ filter: `lastUpdated ge "${at(10)}" and lastUpdated le "${at(12)}"` })).toEqual(ids([bulk(10), bulk(11), bulk(12)]));
    expect(await idsOf({ filter: `lastUpdated gt "${at(10)}" and lastUpdated lt "${at(12)}"` })).toEqual(ids([bulk(11)]));
    expect(await idsOf({ filter: `lastUpdated lt "${at(1)}" or (status eq "STAGED" and profile.lastName eq "Lovelace")` })).toEqual(
      ids([admin(), bulk(0), ada]),
    );
    // Timestamps are compared as instants, whatever their notation.
    const offsetNotation = new Date(Date.parse(at(2)) + 3_600_000).toISOString().replace('Z', '+01:00');
    expect(await idsOf({ filter: `lastUpdated le "${offsetNotation}"` })).toEqual(ids([admin(), bulk(0), bulk(1), bulk(2)]));
  });
});

describe('search', () => {
  it('compares values case-insensitively with eq, sw and co', async () => {
    expect(await idsOf({ search: 'profile.login eq "ZOE.QUARTZ@example.com"' })).toEqual([zoe.id]);
    expect(await idsOf({ search: 'profile.department sw "res"' })).toEqual([zoe.id]);
    expect(await idsOf({ search: 'profile.email co "MAIL.EXAMPLE"' })).toEqual([zoe.id]);
    expect(await idsOf({ search: 'profile.lastName eq "odd" and status eq "PROVISIONED"', limit: PAGE })).toHaveLength(BULK_USERS / 2);
  });

  it('finds users who have an attribute with pr', async () => {
    // Ada's department is empty, and the bulk users have none.
    expect(await idsOf({ search: 'profile.department pr' })).toEqual([zoe.id, zed.id]);
  });

  it('bounds timestamps with gt, ge, lt and le', async () => {
    const last = everyone.at(-1)!;
    expect(await idsOf({ search: `created ge "${last.lastUpdated}"` })).toEqual([ada.id]);
    expect(await idsOf({ search: `lastUpdated gt "${ada.lastUpdated}"` })).toEqual([zed.id]);
    expect(await idsOf({ search: `created lt "${everyone[2]!.lastUpdated}"` })).toEqual(ids(everyone.slice(0, 2)));
    expect(await idsOf({ search: `created le "${everyone[1]!.lastUpdated}"` })).toEqual(ids(everyone.slice(0, 2)));
  });

  it('sorts by sortBy and sortOrder across pages, equal values in id order', async () => {
    const matching = everyone.filter((user) => user.profile.firstName!.startsWith('Bulk10'));
    const byFirstName = [...matching].sort((a, b) => (a.profile.firstName!.toLowerCase() < b.profile.firstName!.toLowerCase() ? -1 : 1));
    const search = 'profile.firstName sw "bulk10"';
    expect(await idsOf({ search, sortBy: 'profile.firstName', limit: 7 })).toEqual(ids(byFirstName));
    expect(await idsOf({ search, sortBy: 'profile.firstName', sortOrder: 'desc', limit: 7 })).toEqual(ids(byFirstName).reverse());
    const byLastName = [...matching].sort((a, b) =>
      a.profile.lastName === b.profile.lastName ? (a.id < b.id ? -1 : 1) : a.profile.lastName! < b.profile.lastName! ? -1 : 1,
    );
    expect(await idsOf({ search, sortBy: 'profile.lastName', limit: 4 })).toEqual(ids(byLastName));
  });
});

describe('refusals', () => {
  it('refuses malformed or unsupported expressions with E0000031', async () => {
    const invalid = { status: 400, errorCode: 'E0000031', errorSummary: 'Invalid search criteria.' };
    for (const query of [
      { search: 'profile.login equals "x"' },
      { search: 'profile.login eq "unterminated' },
      { search: 'status eq "ACTIVE" and' },
      { search: '(status eq "ACTIVE"' },
      { search: 'status ne "ACTIVE"' },
      { search: 'not status eq "ACTIVE"' },
      { search: 'profile.department co "Res"' },
      { search: 'profile.age gt 30' },
      { search: 'passwordChanged gt "2024-01-01T00:00:00.000Z"' },
      { search: 'created gt "yesterday"' },
      { search: 'status eq "ACTIVE"', sortBy: 'password' },
      { filter: 'profile.city eq "Berlin"' },
      { filter: 'status sw "ACT"' },
      { filter: 'profile.login pr' },
    ]) {
      await expectOktaError(collect(env.client.userApi.listUsers(query)), invalid);
    }
  });

  it('refuses a search with a filter', async () => {
    await expectOktaError(collect(env.client.userApi.listUsers({ search: 'status eq "ACTIVE"', filter: 'status eq "ACTIVE"' })), {
      status: 400,
      errorCode: 'E0000033',
      errorSummary: "Bad request. Can't specify a search query and filter in the same request.",
    });
  });

  it('refuses a cursor it did not make for a sorted search', async () => {
    await expectOktaError(collect(env.client.userApi.listUsers({ search: 'status eq "ACTIVE"', sortBy: 'id', after: 'bogus' })), {
      status: 400,
      errorCode: 'E0000029',
      errorSummary: 'Invalid paging request.',
    });
  });
});
