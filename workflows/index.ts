export { identityWorkflow } from './identity.ts';
