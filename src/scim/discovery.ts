import { MAX_RESULTS } from './list-query.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCHEMAS, USER_SCHEMA } from './schema-definitions.ts';

/**
 * RFC 7644 §4 discovery, saying only what Tenure does: PATCH and filters yes, on each type and in
 * a root-level POST /.search across Users and Groups (RFC 7644 §3.4.3; ServiceProviderConfig has
 * no field for it, so filter.supported covers both); bulk, sorting, ETags (If-Match) and password
 * changes no (a password is accepted and discarded). String attributes' length caps are in their
 * /Schemas descriptions, RFC 7643 having no characteristic for one.
 */

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

const metaOf = (resourceType: string, location: string) => ({ resourceType, location });

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: "The integration's token from `tenure scim add`, sent as Authorization: Bearer <token>.",
        primary: true,
      },
    ],
    meta: metaOf('ServiceProviderConfig', `${baseUrl}/ServiceProviderConfig`),
  };
}

const RESOURCE_TYPES = [
  { id: 'User', name: 'User', endpoint: '/Users', description: 'User Account', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }] },
  { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_SCHEMA, schemaExtensions: [] },
];

export function resourceTypes(baseUrl: string) {
  return RESOURCE_TYPES.map((type) => ({ schemas: [RESOURCE_TYPE_SCHEMA], ...type, meta: metaOf('ResourceType', `${baseUrl}/ResourceTypes/${type.id}`) }));
}

export function schemas(baseUrl: string) {
  return SCHEMAS.map((schema) => ({ schemas: [SCHEMA_SCHEMA], ...schema, meta: metaOf('Schema', `${baseUrl}/Schemas/${schema.id}`) }));
}
