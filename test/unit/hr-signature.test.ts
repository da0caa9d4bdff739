import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { hrWebhookRoute } from '../../src/server/hr-webhook-route.ts';
import { HR_SIGNATURE_HEADER, signHrBody, verifyHrSignature } from '../../src/sources/hr-signature.ts';

const secret = 's3cret';
const body = Buffer.from('{"eventId":"e1"}');
/** When the body was signed, in unix seconds, and the intake's clock at that moment, in milliseconds. */
const signedAt = 1_795_000_000;
const atSigning = signedAt * 1000;
const format = 'expected t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">';

describe('the HR webhook signature', () => {
  it('is the HMAC-SHA256 of "<t>.<raw body>", sent with its timestamp', () => {
    const header = signHrBody(body, secret, signedAt);
    expect(header).toMatch(/^t=1795000000,v1=[0-9a-f]{64}$/);
    expect(verifyHrSignature(body, header, secret, atSigning)).toEqual({ ok: true });
  });

  it('is refused for another body, another secret or another timestamp', () => {
    const wrong = { ok: false, reason: `wrong ${HR_SIGNATURE_HEADER}: no v1 value is the HMAC-SHA256 of "<t>.<raw body>" with the shared secret` };
    const header = signHrBody(body, secret, signedAt);
    expect(verifyHrSignature(Buffer.from('{"eventId":"e2"}'), header, secret, atSigning)).toEqual(wrong);
    expect(verifyHrSignature(body, signHrBody(body, 'other', signedAt), secret, atSigning)).toEqual(wrong);
    // A replayed request with a fresh timestamp pasted in.
    expect(verifyHrSignature(body, header.replace(`t=${signedAt}`, `t=${signedAt + 60}`), secret, atSigning + 60_000)).toEqual(wrong);
  });

  it('accepts any of several v1 values, so that the sender can sign with the old and the new secret while one replaces the other', () => {
    const [timestamp, byOld] = signHrBody(body, 'old-secret', signedAt).split(',');
    const [, byNew] = signHrBody(body, 'new-secret', signedAt).split(',');
    const header = `${timestamp},${byOld},${byNew}`;
    expect(verifyHrSignature(body, header, 'old-secret', atSigning)).toEqual({ ok: true });
    expect(verifyHrSignature(body, header, 'new-secret', atSigning)).toEqual({ ok: true });
    expect(verifyHrSignature(body, header, 'a-third-secret', atSigning)).toMatchObject({ ok: false });
  });

  it('is refused more than 5 minutes after it was made, saying how old it is', () => {
    const header = signHrBody(body, secret, signedAt);
    expect(verifyHrSignature(body, header, secret, atSigning + 300_999)).toEqual({ ok: true });
    expect(verifyHrSignature(body, header, secret, atSigning + 301_000)).toEqual({
      ok: false,
      reason: 'the signature was made 301 s ago, outside the 5 minutes (300 s) window Tenure accepts: sign each request when sending it',
    });
    expect(verifyHrSignature(body, header, secret, atSigning + 86_400_000)).toMatchObject({ reason: expect.stringContaining('made 86400 s ago') });
  });

  it('is refused more than 5 minutes ahead of the intake clock, saying by how much', () => {
    const header = signHrBody(body, secret, signedAt);
    expect(verifyHrSignature(body, header, secret, atSigning - 300_000)).toEqual({ ok: true });
    expect(verifyHrSignature(body, header, secret, atSigning - 301_000)).toEqual({
      ok: false,
      reason: "the signature's timestamp is 301 s in the future, outside the 5 minutes (300 s) window Tenure accepts: check the sender's clock",
    });
  });

  it('checks the signature before the timestamp, so that only a holder of the secret learns of the window', () => {
    expect(verifyHrSignature(body, signHrBody(body, 'other', signedAt), secret, atSigning + 86_400_000)).toMatchObject({ reason: expect.stringMatching(/^wrong /) });
  });

  it('names the expected format when the header is missing or garbled', () => {
    const v1 = signHrBody(body, secret, signedAt).split(',')[1]!;
    expect(verifyHrSignature(body, undefined, secret, atSigning)).toEqual({ ok: false, reason: `missing ${HR_SIGNATURE_HEADER} header: ${format}` });
    const garbled = [
      `sha256=${'0'.repeat(64)}`,
      v1,
      `t=${signedAt}`,
      `t=${signedAt},t=${signedAt},${v1}`,
      `t=soon,${v1}`,
      `t=-5,${v1}`,
      `t=${signedAt},v1=abc`,
      `t=${signedAt},${v1},v1=${'g'.repeat(64)}`,
      `t=${signedAt};${v1}`,
      '',
    ];
    for (const header of garbled) {
      expect(verifyHrSignature(body, header, secret, atSigning), header).toEqual({ ok: false, reason: `garbled ${HR_SIGNATURE_HEADER} header: ${format}` });
    }
  });

  it('tolerates spaces around its parts and ignores other schemes beside v1', () => {
    const [timestamp, v1] = signHrBody(body, secret, signedAt).split(',');
    expect(verifyHrSignature(body, ` ${timestamp}, v0=whatever , ${v1} `, secret, atSigning)).toEqual({ ok: true });
  });
});

describe('POST /hooks/hr measures the window by the intake clock', () => {
  async function intakeAt(now: number) {
    const delivered: ChangeEvent[] = [];
    const app = Fastify();
    await app.register(hrWebhookRoute, {
      secret,
      keyAttribute: 'employee_id',
      now: () => now,
      deliver: async (event) => {
        delivered.push(event);
        return `identity/hr/${event.key}`;
      },
    });
    return { app, delivered };
  }
  const event = JSON.stringify({ eventId: 'e1', record: { employee_id: 'E1' } });
  const post = (app: Awaited<ReturnType<typeof intakeAt>>['app']) =>
    app.inject({ method: 'POST', url: '/hooks/hr', headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(event, secret, signedAt) }, payload: event });

  it('accepts a request signed 5 minutes before, stamped with the intake time', async () => {
    const { app, delivered } = await intakeAt(atSigning + 300_000);
    expect((await post(app)).statusCode).toBe(202);
    expect(delivered).toEqual([expect.objectContaining({ eventId: 'e1', receivedAt: new Date(atSigning + 300_000).toISOString() })]);
  });

  it('refuses one signed 5 minutes and a second before, and delivers nothing', async () => {
    const { app, delivered } = await intakeAt(atSigning + 301_000);
    const answer = await post(app);
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toEqual({ error: expect.stringMatching(/^the signature was made 301 s ago/) });
    expect(delivered).toEqual([]);
  });
});
