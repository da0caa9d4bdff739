import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes Tenure puts on identity workflows, so operators can find runs in the UI. */
export const IdentityKey = defineSearchAttributeKey('IdentityKey', SearchAttributeType.KEYWORD);
export const IdentitySource = defineSearchAttributeKey('IdentitySource', SearchAttributeType.KEYWORD);
/** The workflow's `LifecycleState` (workflows/definitions.ts): `LifecycleState = "leaving"` lists pending terminations. */
export const LifecycleState = defineSearchAttributeKey('LifecycleState', SearchAttributeType.KEYWORD);
/** The hash of the policy set that planned the identity's last change. */
export const PolicyVersion = defineSearchAttributeKey('PolicyVersion', SearchAttributeType.KEYWORD);

export const tenureSearchAttributes = [IdentityKey, IdentitySource, LifecycleState, PolicyVersion];
