import type { FastifyInstance } from 'fastify';
import { resourceNotFound } from './errors.ts';
import { objectBody, optionalObject, originOf } from './request.ts';
import type { OktaStore } from './store.ts';
import { userSchemaJson } from './user-schema.ts';

interface SchemaParams {
  schemaId: string;
}

/** The org has one user type, whose schema Okta also names `default`. */
function assertDefault(schemaId: string): void {
  if (schemaId !== 'default') throw resourceNotFound(schemaId, 'UserSchema');
}

export async function userSchemaRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;
  const answer = (origin: string) => {
    const { schema, created, lastUpdated } = store.userSchema();
    return userSchemaJson(schema, origin, created, lastUpdated);
  };

  app.get<{ Params: SchemaParams }>('/api/v1/meta/schemas/user/:schemaId', async (request) => {
    assertDefault(request.params.schemaId);
    return answer(originOf(request));
  });

  // A partial update: only `definitions.custom.properties` can change here; base attributes are Okta's.
  app.post<{ Params: SchemaParams }>('/api/v1/meta/schemas/user/:schemaId', async (request) => {
    assertDefault(request.params.schemaId);
    const definitions = optionalObject(objectBody(request.body).definitions);
    const properties = optionalObject(optionalObject(definitions?.custom)?.properties);
    if (properties) store.updateCustomAttributes(properties);
    return answer(originOf(request));
  });
}
