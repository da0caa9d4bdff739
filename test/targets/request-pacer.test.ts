import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/targets/scim/request-pacer.ts';

/** How long `promise` took to settle, and how: what a paced request would see. */
async function settled(promise: Promise<void>, since: number): Promise<{ after: number; outcome: unknown }> {
  const outcome = await promise.then(
    () => 'turn',
    (error: unknown) => error,
  );
  return { after: Date.now() - since, outcome };
}

describe('the request pacer, given a cancellation signal', () => {
  it('lets a request abandoned in line go at once, without its turn, and the one behind it moves up', async () => {
    const pacer = new RequestPacer(2, 400);
    const started = Date.now();
    await Promise.all([pacer.turn(), pacer.turn()]);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const ahead = settled(pacer.turn(), started);
    const abandoned = settled(pacer.turn(controller.signal), started);
    const behind = settled(pacer.turn(), started);
    setTimeout(() => controller.abort(reason), 100);
    const gaveUp = await abandoned;
    expect(gaveUp.outcome).toBe(reason);
    expect(gaveUp.after).toBeLessThan(300);
    // The window frees two starts at 400 ms: the one ahead and the one behind take them. Had the
    // abandoned request taken its turn, the one behind would wait another window (800 ms).
    expect((await ahead).after).toBeGreaterThanOrEqual(390);
    const moved = await behind;
    expect(moved.outcome).toBe('turn');
    expect(moved.after).toBeGreaterThanOrEqual(390);
    expect(moved.after).toBeLessThan(700);
  });

  it('refuses a request whose signal has already aborted, and takes none of its turns', async () => {
    const pacer = new RequestPacer(1, 10_000);
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    await expect(pacer.turn(controller.signal)).rejects.toThrow('timed out');
    const started = Date.now();
    await pacer.turn();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('changes nothing for a request whose signal never aborts', async () => {
    const pacer = new RequestPacer(2, 300);
    const started = Date.now();
    const signal = new AbortController().signal;
    const times = await Promise.all([pacer.turn(signal), pacer.turn(signal), pacer.turn(signal)].map((turn) => turn.then(() => Date.now() - started)));
    expect(times[0]!).toBeLessThan(100);
    expect(times[1]!).toBeLessThan(100);
    expect(times[2]!).toBeGreaterThanOrEqual(290);
  });
});
