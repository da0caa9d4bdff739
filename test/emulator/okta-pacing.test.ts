import { afterEach, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../src/emulator/okta/server.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';
import { toActivityError } from '../../src/okta/errors.ts';
import { PacingRequestExecutor } from '../../src/okta/pacing.ts';
import { newProfile, TOKEN } from './okta-fixture.ts';

/**
 * A clock shared by the emulator and the pacer that moves only when the test says: to the
 * earliest time something sleeps until, and only while no request is on the wire. Windows turn
 * and requests are spread on it exactly, however fast or slow the machine.
 */
class VirtualTime {
  private timers: Array<{ at: number; wake: () => void }> = [];

  // Two-second windows start on multiples of two seconds.
  constructor(public now = 1_800_000_000_000) {}

  read = () => this.now;

  sleep = (ms: number) => new Promise<void>((wake) => this.timers.push({ at: this.now + ms, wake }));

  /** Moves to the earliest wake-up and wakes that sleeper; false when nobody sleeps. */
  advance(): boolean {
    this.timers.sort((a, b) => a.at - b.at);
    const next = this.timers.shift();
    if (next === undefined) return false;
    this.now = Math.max(this.now, next.at);
    next.wake();
    return true;
  }
}

interface Answer {
  status: number;
  /** The emulator's window the request was counted in. */
  reset: string | null;
}

/** Drives `work` to its end on virtual time, recording the emulator's answers. */
async function onVirtualTime<T>(time: VirtualTime, executor: PacingRequestExecutor, work: () => Promise<T>): Promise<{ result: T; answers: Answer[] }> {
  const answers: Answer[] = [];
  let onTheWire = 0;
  const sent = () => (onTheWire += 1);
  const answered = (response: Response) => {
    onTheWire -= 1;
    answers.push({ status: response.status, reset: response.headers.get('x-rate-limit-reset') });
  };
  executor.on('request', sent).on('response', answered);
  let done = false;
  const running = work().finally(() => (done = true));
  try {
    for (let idle = 0; !done; ) {
      await new Promise((resolve) => setImmediate(resolve));
      if (onTheWire > 0) {
        idle = 0;
        await new Promise((resolve) => setTimeout(resolve, 1));
      } else if (time.advance()) {
        idle = 0;
      } else if (++idle > 10_000) {
        throw new Error('the requests neither go out nor sleep: the pacer is stuck');
      }
    }
    return { result: await running, answers };
  } finally {
    executor.off('request', sent).off('response', answered);
  }
}

/** How many answers each of the emulator's windows counted, in window order. */
function perWindow(answers: Answer[]): number[] {
  const counts = new Map<string, number>();
  for (const { reset } of answers) counts.set(String(reset), (counts.get(String(reset)) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, count]) => count);
}

let emulator: OktaEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function paced(options: Omit<OktaEmulatorOptions, 'token'>, pacing: ConstructorParameters<typeof PacingRequestExecutor>[0]) {
  emulator = await startOktaEmulator({ token: TOKEN, ...options });
  const executor = new PacingRequestExecutor(pacing);
  const client = createOktaClient({ orgUrl: emulator.url, token: TOKEN }, { requestExecutor: executor });
  return { emulator, executor, client };
}

async function newUserId(client: OktaClient): Promise<string> {
  return (await client.userApi.createUser({ body: { profile: newProfile() } })).id!;
}

describe('the pacing request executor', () => {
  it('spreads a burst over the windows, using most of each, without a 429', async () => {
    const time = new VirtualTime();
    const { executor, client } = await paced(
      { now: time.read, rateLimits: { windowSeconds: 2, limits: { user: 20 } } },
      { now: time.read, sleep: time.sleep },
    );
    const userId = await newUserId(client);

    const { result, answers } = await onVirtualTime(time, executor, () =>
      Promise.all(Array.from({ length: 100 }, () => client.userApi.getUser({ userId }))),
    );

    expect(result.every((user) => user.id === userId)).toBe(true);
    expect(answers.filter((answer) => answer.status === 429)).toEqual([]);
    expect(executor.stats().user).toEqual({ sent: 100, throttled: 0 });
    const windows = perWindow(answers);
    expect(windows.length).toBe(6);
    // Every window but the last is spent down to a small reserve, never past its limit.
    for (const count of windows.slice(0, -1)) expect(count).toBeGreaterThanOrEqual(18);
    expect(Math.max(...windows)).toBeLessThanOrEqual(20);
  });

  it('measures the windows on Okta\'s clock, so that a worker whose clock runs ahead meets no 429 either', async () => {
    const time = new VirtualTime();
    const { executor, client } = await paced(
      { now: time.read, rateLimits: { windowSeconds: 2, limits: { user: 20 } } },
      { now: () => time.read() + 5_000, sleep: time.sleep },
    );
    const userId = await newUserId(client);

    const { answers } = await onVirtualTime(time, executor, () => Promise.all(Array.from({ length: 60 }, () => client.userApi.getUser({ userId }))));

    expect(answers.filter((answer) => answer.status === 429)).toEqual([]);
    expect(perWindow(answers).length).toBe(4);
  });

  it('lets requests go at once while the budget is ample', async () => {
    const sleeps: number[] = [];
    const { client, executor } = await paced({}, { sleep: async (ms) => void sleeps.push(ms) });
    const userId = await newUserId(client);

    await Promise.all(Array.from({ length: 50 }, () => client.userApi.getUser({ userId })));

    expect(sleeps).toEqual([]);
    expect(executor.stats().user).toEqual({ sent: 50, throttled: 0 });
  });

  it('hands a 429 to the caller, to be retried at the reset, and holds the family until then', async () => {
    const time = new VirtualTime();
    const { emulator, executor, client } = await paced({ now: time.read, admin: true }, { now: time.read, sleep: time.sleep });
    const userId = await newUserId(client);
    time.now += 15_000;
    const fault = await fetch(`${emulator.url}/emulator/v1/faults/user`, {
      method: 'PUT',
      headers: { authorization: `SSWS ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ throttleNext: 1 }),
    });
    expect(fault.status).toBe(200);

    const { result: refusal, answers } = await onVirtualTime(time, executor, async () => {
      const error = await client.userApi.getUser({ userId }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      await client.userApi.getUser({ userId });
      return error;
    });

    // Okta's default one-minute window, entered 15 s in: the 429 says 45 s until it resets.
    expect(toActivityError(refusal, 'reading the user')).toMatchObject({ type: 'OktaRateLimited', nextRetryDelay: 46_000 });
    expect(answers.map((answer) => answer.status)).toEqual([429, 200]);
    expect(Number(answers[1]!.reset)).toBe(Number(answers[0]!.reset) + 60);
    expect(executor.stats().user).toEqual({ sent: 2, throttled: 1 });
  });
});
