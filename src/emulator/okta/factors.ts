import { apiValidationFailed } from './errors.ts';
import { newToken } from './ids.ts';

/** An MFA factor a user has enrolled, as `GET /api/v1/users/{id}/factors` lists it. */
export interface FactorRecord {
  readonly id: string;
  readonly factorType: string;
  readonly provider: string;
  readonly vendorName: string;
  status: 'ACTIVE' | 'PENDING_ACTIVATION';
  readonly created: string;
  lastUpdated: string;
  readonly profile: Record<string, unknown>;
}

/**
 * The factors the emulator enrols, each with the providers Okta offers it and the id prefix
 * Okta's ids for it carry. Enough for an offboarding to find something to clear; verification
 * and activation flows are not emulated.
 */
const FACTOR_TYPES: Readonly<Record<string, { providers: readonly string[]; idPrefix: string; activeAtOnce?: true }>> = {
  email: { providers: ['OKTA'], idPrefix: 'emf' },
  sms: { providers: ['OKTA'], idPrefix: 'mbl' },
  call: { providers: ['OKTA'], idPrefix: 'clf' },
  push: { providers: ['OKTA'], idPrefix: 'opf' },
  'token:software:totp': { providers: ['OKTA', 'GOOGLE'], idPrefix: 'ost' },
  // A security question needs no activation: Okta enrols it active.
  question: { providers: ['OKTA'], idPrefix: 'ufs', activeAtOnce: true },
};

export interface FactorEnrollment {
  factorType?: unknown;
  provider?: unknown;
  profile?: unknown;
}

/** The factor an enrolment request describes, or Okta's 400 naming what is wrong with it. */
export function newFactor(request: FactorEnrollment, activate: boolean, now: string): FactorRecord {
  const factorType = String(request.factorType ?? '');
  const kind = FACTOR_TYPES[factorType];
  if (!kind) throw apiValidationFailed('factorEnrollRequest', [`factorType: Unsupported factor type "${factorType}"`]);
  const provider = String(request.provider ?? 'OKTA');
  if (!kind.providers.includes(provider)) {
    throw apiValidationFailed('factorEnrollRequest', [`provider: ${factorType} is not offered by ${provider}`]);
  }
  const profile = request.profile !== null && typeof request.profile === 'object' ? { ...(request.profile as Record<string, unknown>) } : {};
  // Okta never answers the security question's answer.
  delete profile.answer;
  return {
    id: kind.idPrefix + newToken(17),
    factorType,
    provider,
    vendorName: provider,
    status: activate || kind.activeAtOnce ? 'ACTIVE' : 'PENDING_ACTIVATION',
    created: now,
    lastUpdated: now,
    profile,
  };
}

export function factorJson(factor: FactorRecord, userUrl: string): Record<string, unknown> {
  const self = `${userUrl}/factors/${factor.id}`;
  return {
    id: factor.id,
    factorType: factor.factorType,
    provider: factor.provider,
    vendorName: factor.vendorName,
    status: factor.status,
    created: factor.created,
    lastUpdated: factor.lastUpdated,
    profile: factor.profile,
    _links: { self: { href: self, hints: { allow: ['GET', 'DELETE'] } }, user: { href: userUrl, hints: { allow: ['GET'] } } },
  };
}
