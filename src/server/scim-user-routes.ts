import type { FastifyInstance } from 'fastify';
import type { StoredUser } from '../scim/directory/types.ts';
import { applyPatch } from '../scim/patch.ts';
import { leavesOut, project } from '../scim/projection.ts';
import { userContent, userInput, userResource } from '../scim/representation.ts';
import { USER_SHAPE } from '../scim/resource-shape.ts';
import { scimResourceRoutes, type ResourceKind } from './scim-resource-routes.ts';

/** /Users: Okta's assigned people. A user is never deleted by deactivation; DELETE removes it from the integration. */
export const userKind: ResourceKind<StoredUser> = {
  shape: USER_SHAPE,
  get: ({ directory, integration }, id) => directory.getUser(integration, id),
  list: ({ directory, integration }, query) => directory.listUsers(integration, query),
  create: ({ directory, integration }, body) => directory.createUser(integration, userInput(body)),
  replace: ({ directory, integration }, id, body) => {
    const input = userInput(body);
    return directory.updateUser(integration, id, () => input);
  },
  patch: ({ directory, integration }, id, operations) => directory.updateUser(integration, id, (current) => userInput(applyPatch(USER_SHAPE, userContent(current), operations))),
  remove: ({ directory, integration }, id) => directory.deleteUser(integration, id),
  async render(scim, user, projection) {
    // `groups` costs a query per user: skipped when the client asked to leave it out.
    const groups = leavesOut(USER_SHAPE, projection, 'groups') ? undefined : await scim.directory.groupsOf(scim.integration, user.id);
    return project(USER_SHAPE, userResource(user, groups, scim.baseUrl), projection);
  },
};

export function scimUserRoutes(app: FastifyInstance): void {
  scimResourceRoutes(app, userKind);
}
