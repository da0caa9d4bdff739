export { identityWorkflow } from './identity.ts';
export { massChangeGuard } from './mass-change-guard.ts';
export { heldBatch } from './held-batch.ts';
export { heldBatchPart } from './held-batch-parts.ts';
export { hrExportPull } from './hr-export-pull.ts';
export { oktaReconciliation, oktaLogPoll } from './okta-reconciliation.ts';
