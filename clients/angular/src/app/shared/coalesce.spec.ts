import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { coalesced } from './coalesce';

/** A refresh whose completion the test controls. */
function controlled() {
  const started: (() => void)[] = [];
  const refresh = vi.fn(
    () => new Promise<void>((resolve) => started.push(resolve)),
  );
  return { refresh, finish: () => started.shift()?.() };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('coalesced', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refreshes at once for a single notice', () => {
    const { refresh } = controlled();
    coalesced(refresh, 1000).poke();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('turns a burst during a refresh into one more refresh, after the spacing', async () => {
    const { refresh, finish } = controlled();
    const live = coalesced(refresh, 1000);
    for (let i = 0; i < 200; i++) live.poke();
    expect(refresh).toHaveBeenCalledTimes(1);
    finish();
    await settle();
    // Dirty, but the previous refresh started less than 1 s ago.
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).toHaveBeenCalledTimes(2);
    finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('caps a steady stream of notices at one refresh per spacing', async () => {
    const { refresh, finish } = controlled();
    const live = coalesced(refresh, 1000);
    // A notice every 50 ms for 5 s; each refresh takes 100 ms.
    for (let t = 0; t < 5000; t += 50) {
      live.poke();
      await vi.advanceTimersByTimeAsync(50);
      if (t % 100 === 50) finish();
    }
    expect(refresh.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(6);
  });

  it('never runs two refreshes at once, and a failed one frees the slot', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const refresh = () => {
      calls += 1;
      inFlight += 1;
      most = Math.max(most, inFlight);
      return new Promise<void>((_, reject) =>
        setTimeout(() => {
          inFlight -= 1;
          reject(new Error('offline'));
        }, 300),
      );
    };
    const live = coalesced(refresh, 100);
    for (let i = 0; i < 10; i++) {
      live.poke();
      await vi.advanceTimersByTimeAsync(60);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(most).toBe(1);
    // At 0, when the first fails (300 ms), and when the second does (600 ms).
    expect(calls).toBe(3);
  });

  it('does nothing after cancel', async () => {
    const { refresh, finish } = controlled();
    const live = coalesced(refresh, 1000);
    live.poke();
    live.poke();
    live.cancel();
    finish();
    await vi.advanceTimersByTimeAsync(5000);
    live.poke();
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});
