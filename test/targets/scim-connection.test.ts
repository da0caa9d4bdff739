import { describe, expect, it } from 'vitest';
import type { ScimTargetDefinition } from '../../src/targets/definitions.ts';
import { resolveScimConnection } from '../../src/targets/scim/connection.ts';

const bearer: ScimTargetDefinition = {
  kind: 'scim',
  url: 'https://kestra.example.com/api/v1/main/integrations/abc/scim/v2',
  auth: { bearerToken: { env: 'KESTRA_SCIM_TOKEN' } },
  rateLimit: { requests: 20, per: '1m' },
};

const oauth: ScimTargetDefinition = {
  kind: 'scim',
  url: 'https://apps.example.com/scim/v2',
  auth: { oauth2: { tokenUrl: 'https://id.example.com/oauth2/token', clientId: { env: 'APP_CLIENT_ID' }, clientSecret: { env: 'APP_CLIENT_SECRET' }, scope: 'scim' } },
};

describe('resolveScimConnection', () => {
  it('reads the bearer token from the variable the definition names, and the rate limit in milliseconds', () => {
    expect(resolveScimConnection('kestra', bearer, { KESTRA_SCIM_TOKEN: 's3cret' })).toEqual({
      url: bearer.url,
      credentials: { bearerToken: 's3cret' },
      rateLimit: { requests: 20, perMs: 60_000 },
    });
  });

  it('carries adoptUnclaimed when the definition turns it on, and leaves it out otherwise', () => {
    expect(resolveScimConnection('kestra', { ...bearer, adoptUnclaimed: true }, { KESTRA_SCIM_TOKEN: 's3cret' }).adoptUnclaimed).toBe(true);
    expect(resolveScimConnection('kestra', { ...bearer, adoptUnclaimed: false }, { KESTRA_SCIM_TOKEN: 's3cret' })).not.toHaveProperty('adoptUnclaimed');
  });

  it('reads OAuth client credentials', () => {
    expect(resolveScimConnection('apps', oauth, { APP_CLIENT_ID: 'id-1', APP_CLIENT_SECRET: 'secret-1' })).toEqual({
      url: oauth.url,
      credentials: { oauth2: { tokenUrl: 'https://id.example.com/oauth2/token', clientId: 'id-1', clientSecret: 'secret-1', scope: 'scim' } },
    });
  });

  it('refuses a variable unset or empty, naming the target and the variable, never a value', () => {
    expect(() => resolveScimConnection('kestra', bearer, {})).toThrow('target "kestra": the environment variable KESTRA_SCIM_TOKEN (its bearer token) is not set or is empty');
    expect(() => resolveScimConnection('kestra', bearer, { KESTRA_SCIM_TOKEN: '  ' })).toThrow(/KESTRA_SCIM_TOKEN/);
    let message = '';
    try {
      resolveScimConnection('apps', oauth, { APP_CLIENT_ID: 'visible-client-id', APP_CLIENT_SECRET: '' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('target "apps": the environment variable APP_CLIENT_SECRET (its OAuth client secret) is not set or is empty');
  });
});
