import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { closedPort, tenure } from '../helpers/tenure-cli.ts';

/** With nothing of Tenure running, every command that needs it says where it looked and what to do. */
describe('tenure, with the stack down', () => {
  let env: NodeJS.ProcessEnv;
  let temporal: string;
  let intake: number;
  let mailbox: number;

  beforeAll(async () => {
    [intake, mailbox] = [await closedPort(), await closedPort()];
    temporal = `127.0.0.1:${await closedPort()}`;
    env = { TEMPORAL_ADDRESS: temporal, TENURE_INTAKE_PORT: String(intake), MAIL_HTTP_PORT: String(mailbox) };
  });

  it('hr send names the intake URL and suggests npm start', async () => {
    const result = await tenure(['hr', 'send', 'examples/joiner.json'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `tenure: cannot reach the HR intake at http://127.0.0.1:${intake}/hooks/hr (ECONNREFUSED). Is Tenure running? Start it with \`npm start\`, or name another with --url.\n`,
    );
  });

  it('mail list names the mail catcher URL and suggests npm start', async () => {
    const result = await tenure(['mail', 'list'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach the mail catcher at http://127.0.0.1:${mailbox}/messages`);
    expect(result.stderr).toContain('Start it with `npm start`');
    expect(result.stderr).not.toContain('fetch failed');
  });

  it.each([
    [['status', 'hr/E1001']],
    [['hr', 'import', 'examples/hr-export.csv', '--dry-run']],
  ])('%j names the Temporal address, says it tried once for a second, and suggests npm start', async (args) => {
    const result = await tenure(args, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `tenure: cannot reach Temporal at ${temporal} (no answer within 1 s). Is Tenure running? Start it with \`npm start\`, ` +
        'or name another Temporal with --address HOST:PORT (or TEMPORAL_ADDRESS).\n',
    );
  });

  it.each([['approve', 'identity/hr/E1001'], ['reject', 'guard/hr']])('%s names the intake it decides through, and suggests npm start or --intake', async (command, workflowId) => {
    const result = await tenure([command, workflowId], { ...env, TENURE_OPERATOR_TOKEN: 'an-id-token' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `tenure: cannot reach the intake at http://127.0.0.1:${intake}/api/v1/decisions/${command} (ECONNREFUSED). Is Tenure running? Start it with \`npm start\`, or name another with --intake.\n`,
    );
    expect(result.stderr).not.toContain('an-id-token');
  });

  it('approve, not signed in, says to sign in first, before trying anything', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-cli-'));
    expect(await tenure(['approve', 'hr/E1001'], { ...env, TENURE_DATA_DIR: dataDir, TENURE_OPERATOR_TOKEN: '' })).toEqual({ code: 1, stdout: '', stderr: 'tenure: Sign in first: npx tenure login\n' });
  });

  it('login names the intake it asks where to sign in', async () => {
    const result = await tenure(['login'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`tenure: cannot reach the intake at http://127.0.0.1:${intake}/api/v1/decisions/sign-in (ECONNREFUSED)`);
    expect(result.stderr).toContain('name another with --intake');
  });

  it('--address names the Temporal it could not reach', async () => {
    const elsewhere = `127.0.0.1:${await closedPort()}`;
    const result = await tenure(['status', 'hr/E1001', '--address', elsewhere], env);
    expect(result.stderr).toContain(`cannot reach Temporal at ${elsewhere} `);
  });

  it('says a --url that is not a URL is not one', async () => {
    const result = await tenure(['hr', 'send', 'examples/joiner.json', '--url', 'intake.example.com'], env);
    expect(result).toMatchObject({ code: 1, stderr: 'tenure: --url "intake.example.com" is not a URL (e.g. http://127.0.0.1:8081)\n' });
  });
});

describe('tenure, given a command line it cannot use', () => {
  it('says an unknown command is unknown, suggests the nearest, and exits 2', async () => {
    expect(await tenure(['frobnicate'])).toEqual({ code: 2, stdout: '', stderr: "tenure: unknown command 'frobnicate'\n(tenure --help lists the commands)\n" });
    expect((await tenure(['plann'])).stderr).toContain('(Did you mean plan?)');
  });

  it('names an unknown option, and where the help is', async () => {
    expect(await tenure(['plan', '--new', 'examples/joiner.json', '--bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "tenure: unknown option '--bogus'\n(tenure plan --help explains every option, with examples)\n",
    });
    expect((await tenure(['hr', 'import', 'x.csv', '--dryrun'])).stderr).toContain("unknown option '--dryrun'\n(Did you mean --dry-run?)");
  });

  it('refuses --by on approve and reject: the sign-in says who decides', async () => {
    for (const command of ['approve', 'reject']) {
      const result = await tenure([command, 'hr/E1001', '--by', 'ada']);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(`tenure ${command}: --by is gone: the decision is recorded as the person signed in (npx tenure login)`);
    }
  });

  it('names a missing argument, and a surplus one', async () => {
    expect(await tenure(['status'])).toMatchObject({ code: 2, stderr: expect.stringContaining("tenure: missing required argument 'workflow'") });
    expect(await tenure(['status', 'hr/E1', 'hr/E2'])).toMatchObject({ code: 2, stderr: expect.stringContaining('too many arguments') });
  });

  it('refuses plan --old without --new instead of planning a silent leaver', async () => {
    const result = await tenure(['plan', '--old', 'examples/joiner.json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('tenure plan: --old needs --new (the record after the change), or --removed for a person HR no longer lists');
  });

  it('refuses half of a pair, and a mix of the two forms', async () => {
    expect((await tenure(['plan', '--snapshot', 'test/fixtures/hr-now.csv'])).stderr).toContain('--snapshot needs --previous');
    expect((await tenure(['plan', '--previous', 'test/fixtures/hr-before.csv'])).stderr).toContain('--previous needs --snapshot');
    expect((await tenure(['plan', '--removed'])).stderr).toContain('--removed needs --old');
    expect((await tenure(['plan', '--old', 'a.json', '--new', 'b.json', '--removed'])).stderr).toContain('--removed means there is no record after the change');
    expect((await tenure(['plan', '--new', 'b.json', '--snapshot', 'a.csv', '--previous', 'b.csv'])).stderr).toContain('use one pair');
    expect(await tenure(['plan'])).toMatchObject({ code: 2, stderr: expect.stringContaining('plan needs --new') });
  });

  it('names a file that is not there, without the system call', async () => {
    expect(await tenure(['plan', '--new', 'missing.json'])).toMatchObject({ code: 1, stderr: 'tenure: missing.json: no such file or folder\n' });
    expect(await tenure(['validate', 'missing-policies'])).toMatchObject({ code: 1, stderr: 'tenure: missing-policies: no such file or folder\n' });
  });

  it('plans a person gone from HR when asked to, with --removed', async () => {
    const result = await tenure(['plan', '--old', 'examples/joiner.json', '--removed', '--now', '2026-11-24T09:00:00Z']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^hr\/E1001 +leaver +employees\/leaver +now +DEPROVISION_IDENTITY +okta /m);
  });
});

describe('an intake behind a proxy, under a path', () => {
  it('keeps the --url prefix: events go to <url>/hooks/hr, not to the host root', async () => {
    const { createServer } = await import('node:http');
    const { fetchOrExplain } = await import('../../src/cli/http.ts');
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url!);
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await fetchOrExplain('the HR intake', '/hooks/hr', `http://127.0.0.1:${port}/intake`);
      await fetchOrExplain('the HR intake', '/hooks/hr', `http://127.0.0.1:${port}/intake/`);
      await fetchOrExplain('the HR intake', '/hooks/hr', `http://127.0.0.1:${port}`);
    } finally {
      server.close();
    }
    expect(paths).toEqual(['/intake/hooks/hr', '/intake/hooks/hr', '/hooks/hr']);
  });
});
