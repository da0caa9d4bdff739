import type { z } from 'zod';
import { type OktaError, apiValidationFailed } from './errors.ts';

/** Zod's issues as the causes of Okta's E0000001. Issues name the field and the rule, never the value given. */
export function validationFailed(what: string, error: z.ZodError): OktaError {
  return apiValidationFailed(what, error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`));
}
