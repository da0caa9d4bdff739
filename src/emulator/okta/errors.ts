import { newErrorId } from './ids.ts';

export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: Array<{ errorSummary: string }>;
}

/**
 * An answer Okta gives as an error. Thrown by the store as well as by the routes, so that a rule
 * and the exact words Okta uses to refuse it live in one place.
 */
export class OktaError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorSummary: string,
    readonly errorCauses: readonly string[] = [],
  ) {
    super(`${errorCode} ${errorSummary}`);
    this.name = 'OktaError';
  }

  toBody(): OktaErrorBody {
    return {
      errorCode: this.errorCode,
      errorSummary: this.errorSummary,
      errorLink: this.errorCode,
      errorId: newErrorId(),
      errorCauses: this.errorCauses.map((errorSummary) => ({ errorSummary })),
    };
  }
}

export const apiValidationFailed = (subject: string, causes: readonly string[]): OktaError =>
  new OktaError(400, 'E0000001', `Api validation failed: ${subject}`, causes);

export const fieldBlank = (field: string): string => `${field}: The field cannot be left blank`;
export const fieldNotUnique = (field: string): string =>
  `${field}: An object with this field already exists in the current organization`;
export const loginNotEmail = 'login: Username must be in the form of an email address';
export const emailMalformed = 'email: Does not match required pattern';

export const cannotSuspend = (): OktaError =>
  apiValidationFailed('suspendUser', ['Cannot suspend a user that is not active']);
export const cannotUnsuspend = (): OktaError =>
  apiValidationFailed('unsuspendUser', ['Cannot unsuspend a user that is not suspended']);

export const malformedBody = (): OktaError => new OktaError(400, 'E0000003', 'The request body was not well-formed.');

export const accessDenied = (): OktaError =>
  new OktaError(403, 'E0000006', 'You do not have permission to perform the requested action');

export const resourceNotFound = (
  id: string,
  type: 'User' | 'UserGroup' | 'EventHook' | 'UserSchema' | 'Page' | 'AppInstance' | 'AppUser' | 'AppFeature' | 'ApplicationGroupAssignment' | 'GroupPushMapping',
): OktaError =>
  new OktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);

export const invalidToken = (): OktaError => new OktaError(401, 'E0000011', 'Invalid token provided');

export const oldPasswordWrong = (): OktaError =>
  new OktaError(403, 'E0000014', 'Update of credentials failed', ['oldPassword: Old Password is not correct']);

export const forgotPasswordNotAllowed = (): OktaError =>
  new OktaError(403, 'E0000034', 'Forgot password not allowed on specified user.');

export const userAlreadyActive = (): OktaError =>
  new OktaError(403, 'E0000016', 'Activation failed because the user is already active');

export const unsupportedMediaType = (): OktaError =>
  new OktaError(400, 'E0000021', 'Bad request. Accept and/or Content-Type headers likely do not match supported values.');

/** A method the path's routes do not take; the Allow header names those they do. */
export const unsupportedMethod = (): OktaError =>
  new OktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');

export const invalidPagingRequest = (): OktaError => new OktaError(400, 'E0000029', 'Invalid paging request.');

export const invalidSearchCriteria = (): OktaError => new OktaError(400, 'E0000031', 'Invalid search criteria.');

export const unlockNotAllowed = (): OktaError =>
  new OktaError(403, 'E0000032', 'Unlock is not allowed for this user.', ['The user is not locked out.']);

export const searchWithFilter = (): OktaError =>
  new OktaError(400, 'E0000033', "Bad request. Can't specify a search query and filter in the same request.");

export const notAllowedInUserStatus = (): OktaError =>
  new OktaError(403, 'E0000038', "This operation is not allowed in the user's current status.");

export const unsupportedOperation = (): OktaError => new OktaError(400, 'E0000060', 'Unsupported operation.');

const EXPIRE_ON_CREATE = 'Could not create user. To create a user and expire their password immediately,';

export const expiringWithoutPassword = (): OktaError => {
  const summary = `${EXPIRE_ON_CREATE} a password must be specified.`;
  return new OktaError(400, 'E0000124', summary, [summary]);
};

export const expiringWithoutActivation = (): OktaError => {
  const summary = `${EXPIRE_ON_CREATE} \`activate\` must be true.`;
  return new OktaError(400, 'E0000125', summary, [summary]);
};

export const internalServerError = (): OktaError => new OktaError(500, 'E0000009', 'Internal Server Error');
