import { randomInt } from 'node:crypto';
import { newToken } from './ids.ts';
import { OAuthError } from './oauth.ts';

/**
 * The Device Authorization Grant (RFC 8628) as Okta's authorization servers run it: a device asks
 * for a code pair, shows the person the user code, and polls the token endpoint with the device
 * code until the person has entered the user code and signed in at `/activate`, refused, or let
 * the codes expire.
 */

/** Okta's device codes last ten minutes, and clients poll every five seconds. */
export const DEVICE_CODE_LIFETIME_SECONDS = 600;
export const POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: after slow_down, the client waits five seconds more on every later poll. */
const SLOW_DOWN_STEP_SECONDS = 5;

/** Consonants only (RFC 8628 §6.1): no vowels to spell words, no digits or letters easily confused. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scopes: readonly string[];
  expiresAtMs: number;
  intervalSeconds: number;
  lastPollMs: number | undefined;
  /** Set once the person signed in at /activate and allowed the device. */
  userId: string | undefined;
  denied: boolean;
}

export interface DeviceCodeResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** What a person may see of a pending authorization on the activation page. */
export interface PendingActivation {
  userCode: string;
  clientId: string;
}

const grantError = (error: string, description: string) => new OAuthError(400, error, description);

/** A user code as people type it: any case, with or without the dash shown to them. */
function normalizedUserCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}

export class DeviceAuthorizations {
  private readonly byDeviceCode = new Map<string, DeviceAuthorization>();
  private readonly byUserCode = new Map<string, DeviceAuthorization>();

  constructor(private readonly now: () => number) {}

  start(clientId: string, scopes: readonly string[], activateUrl: string): DeviceCodeResponse {
    this.forgetExpired();
    let userCode: string;
    do userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    while (this.byUserCode.has(userCode));
    const authorization: DeviceAuthorization = {
      deviceCode: newToken(40),
      userCode,
      clientId,
      scopes,
      expiresAtMs: this.now() + DEVICE_CODE_LIFETIME_SECONDS * 1000,
      intervalSeconds: POLL_INTERVAL_SECONDS,
      lastPollMs: undefined,
      userId: undefined,
      denied: false,
    };
    this.byDeviceCode.set(authorization.deviceCode, authorization);
    this.byUserCode.set(userCode, authorization);
    return {
      device_code: authorization.deviceCode,
      user_code: userCode,
      verification_uri: activateUrl,
      verification_uri_complete: `${activateUrl}?user_code=${userCode}`,
      expires_in: DEVICE_CODE_LIFETIME_SECONDS,
      interval: POLL_INTERVAL_SECONDS,
    };
  }

  /** The authorization a typed user code names, while nobody has answered it and it has not expired. */
  pending(typedUserCode: string): PendingActivation | undefined {
    const authorization = this.byUserCode.get(normalizedUserCode(typedUserCode));
    if (authorization === undefined || authorization.expiresAtMs <= this.now() || authorization.denied || authorization.userId !== undefined) return undefined;
    return { userCode: authorization.userCode, clientId: authorization.clientId };
  }

  /** The person signed in as `userId` and allowed the device; answers false if the code is no longer pending. */
  allow(userCode: string, userId: string): boolean {
    const authorization = this.pending(userCode) && this.byUserCode.get(normalizedUserCode(userCode));
    if (!authorization) return false;
    authorization.userId = userId;
    return true;
  }

  deny(userCode: string): boolean {
    const authorization = this.pending(userCode) && this.byUserCode.get(normalizedUserCode(userCode));
    if (!authorization) return false;
    authorization.denied = true;
    return true;
  }

  /**
   * A device's poll: the person who allowed it and the scopes granted, once; otherwise the
   * OAuthError RFC 8628 §3.5 says (authorization_pending, slow_down, access_denied, expired_token).
   */
  redeem(deviceCode: string | null, clientId: string): { userId: string; scopes: readonly string[] } {
    if (deviceCode === null || deviceCode === '') throw new OAuthError(400, 'invalid_request', "The 'device_code' parameter is missing.");
    const authorization = this.byDeviceCode.get(deviceCode);
    if (authorization === undefined || authorization.clientId !== clientId) throw grantError('invalid_grant', 'The device code is invalid or has expired.');
    const nowMs = this.now();
    if (authorization.expiresAtMs <= nowMs) {
      this.forget(authorization);
      throw grantError('expired_token', 'The device code has expired.');
    }
    if (authorization.denied) {
      this.forget(authorization);
      throw grantError('access_denied', 'The resource owner or authorization server denied the request.');
    }
    if (authorization.userId !== undefined) {
      // A device code is redeemed once.
      this.forget(authorization);
      return { userId: authorization.userId, scopes: authorization.scopes };
    }
    const tooSoon = authorization.lastPollMs !== undefined && nowMs - authorization.lastPollMs < authorization.intervalSeconds * 1000;
    authorization.lastPollMs = nowMs;
    if (tooSoon) {
      authorization.intervalSeconds += SLOW_DOWN_STEP_SECONDS;
      throw grantError('slow_down', 'The client is polling too frequently. Please slow down.');
    }
    throw grantError('authorization_pending', 'The device authorization is pending. Please try again later.');
  }

  private forget(authorization: DeviceAuthorization): void {
    this.byDeviceCode.delete(authorization.deviceCode);
    this.byUserCode.delete(authorization.userCode);
  }

  /** Expired codes that no device polls again would otherwise stay for ever. */
  private forgetExpired(): void {
    const nowMs = this.now();
    for (const authorization of this.byDeviceCode.values()) if (authorization.expiresAtMs + DEVICE_CODE_LIFETIME_SECONDS * 1000 <= nowMs) this.forget(authorization);
  }
}
