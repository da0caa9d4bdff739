import { emailMalformed, fieldBlank, loginNotEmail } from './errors.ts';

/** The base attributes Okta's default user profile schema requires. */
const REQUIRED_ATTRIBUTES = ['login', 'email', 'firstName', 'lastName'] as const;

// Okta's default login and email patterns are looser than RFC 5322: something@something.
const EMAIL_LIKE = /^[^@\s]+@[^@\s]+$/;

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

export interface ProfileProblem {
  field: string;
  cause: string;
}

/** What the default schema finds wrong with a whole profile, in the order Okta reports it. */
export function profileProblems(profile: Record<string, unknown>): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  for (const field of REQUIRED_ATTRIBUTES) {
    if (isBlank(profile[field])) problems.push({ field, cause: fieldBlank(field) });
  }
  if (!isBlank(profile.login) && !EMAIL_LIKE.test(String(profile.login))) {
    problems.push({ field: 'login', cause: loginNotEmail });
  }
  if (!isBlank(profile.email) && !EMAIL_LIKE.test(String(profile.email))) {
    problems.push({ field: 'email', cause: emailMalformed });
  }
  return problems;
}
