import { createHmac, timingSafeEqual } from 'node:crypto';

export const HR_SIGNATURE_HEADER = 'x-tenure-signature';

const HR_SIGNATURE_FORMAT = 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">';

/** How far a signature's timestamp may lie from the intake's clock, either way: a captured request cannot be replayed later. */
const HR_SIGNATURE_WINDOW_SECONDS = 5 * 60;

function digest(timestamp: number, body: string | Buffer, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The header value an HR system sends: the body signed together with the moment it is sent. */
export function signHrBody(body: string | Buffer, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${digest(timestamp, body, secret).toString('hex')}`;
}

interface SignatureHeader {
  timestamp: number;
  signatures: Buffer[];
}

/**
 * Several v1 values are allowed so that a sender can sign with the old and the new secret while
 * one replaces the other. Other keys are ignored, so a later scheme can travel beside v1.
 */
function parseSignatureHeader(header: string): SignatureHeader | undefined {
  const timestamps: string[] = [];
  const signatures: Buffer[] = [];
  for (const element of header.split(',')) {
    const separator = element.indexOf('=');
    const key = element.slice(0, separator).trim();
    const value = element.slice(separator + 1).trim();
    if (separator < 0 || key === '' || value === '') return undefined;
    if (key === 't') timestamps.push(value);
    if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamp!) || signatures.length === 0) return undefined;
  return { timestamp: Number(timestamp), signatures };
}

export type HrSignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks the signature before the timestamp, so that only a sender holding the secret learns
 * about the window. `now` is the intake's clock in epoch milliseconds.
 */
export function verifyHrSignature(body: Buffer, header: string | undefined, secret: string, now: number): HrSignatureCheck {
  if (header === undefined) return { ok: false, reason: `missing ${HR_SIGNATURE_HEADER} header: expected ${HR_SIGNATURE_FORMAT}` };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: `garbled ${HR_SIGNATURE_HEADER} header: expected ${HR_SIGNATURE_FORMAT}` };
  const expected = digest(parsed.timestamp, body, secret);
  // Constant-time, so the time a refusal takes does not tell how much of a guess was right.
  if (!parsed.signatures.some((given) => timingSafeEqual(given, expected))) {
    return { ok: false, reason: `wrong ${HR_SIGNATURE_HEADER}: no v1 value is the HMAC-SHA256 of "<t>.<raw body>" with the shared secret` };
  }
  const age = Math.floor(now / 1000) - parsed.timestamp;
  const window = `${HR_SIGNATURE_WINDOW_SECONDS / 60} minutes (${HR_SIGNATURE_WINDOW_SECONDS} s)`;
  if (age > HR_SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: `the signature was made ${age} s ago, outside the ${window} window Tenure accepts: sign each request when sending it` };
  }
  if (-age > HR_SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: `the signature's timestamp is ${-age} s in the future, outside the ${window} window Tenure accepts: check the sender's clock` };
  }
  return { ok: true };
}
