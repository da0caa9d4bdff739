import type { FastifyInstance } from 'fastify';
import type { StoredGroup } from '../scim/directory/types.ts';
import { applyPatch } from '../scim/patch.ts';
import { leavesOut, project } from '../scim/projection.ts';
import { groupContent, groupInput, groupResource } from '../scim/representation.ts';
import { GROUP_SHAPE } from '../scim/resource-shape.ts';
import { scimResourceRoutes, type ResourceKind } from './scim-resource-routes.ts';

/** /Groups: Okta's pushed groups, changed by PATCH (OIN apps) or by a whole PUT (wizard-built apps). */
export const groupKind: ResourceKind<StoredGroup> = {
  shape: GROUP_SHAPE,
  get: ({ directory, integration }, id) => directory.getGroup(integration, id),
  list: ({ directory, integration }, query, projection) => directory.listGroups(integration, { ...query, excludeMembers: leavesOut(GROUP_SHAPE, projection, 'members') }),
  create: ({ directory, integration }, body) => directory.createGroup(integration, groupInput(body)),
  replace: ({ directory, integration }, id, body) => {
    const input = groupInput(body);
    return directory.updateGroup(integration, id, () => input);
  },
  patch: ({ directory, integration }, id, operations) => directory.updateGroup(integration, id, (current) => groupInput(applyPatch(GROUP_SHAPE, groupContent(current), operations))),
  remove: ({ directory, integration }, id) => directory.deleteGroup(integration, id),
  render: async (scim, group, projection) => project(GROUP_SHAPE, groupResource(group, scim.baseUrl), projection),
};

export function scimGroupRoutes(app: FastifyInstance): void {
  scimResourceRoutes(app, groupKind);
}
