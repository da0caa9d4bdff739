import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes Tenure puts on identity workflows, so operators can find runs in the UI. */
export const IdentityKey = defineSearchAttributeKey('IdentityKey', SearchAttributeType.KEYWORD);
export const IdentitySource = defineSearchAttributeKey('IdentitySource', SearchAttributeType.KEYWORD);

export const tenureSearchAttributes = [IdentityKey, IdentitySource];
