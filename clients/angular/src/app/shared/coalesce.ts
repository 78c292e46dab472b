/**
 * A refresh driven by "something changed" notices (the `droneEvents` subscription), coalesced
 * by the console itself rather than left to Apollo's de-duplication of identical in-flight
 * queries:
 *
 * - the first notice after a quiet spell refreshes at once (leading edge), so one change by
 *   someone else shows without delay;
 * - while a refresh is in flight, notices only mark the view dirty: never two refreshes at once,
 *   and never a refresh per notice (a 200-drone bulk registration sends 200 of them);
 * - when it ends dirty, exactly one more refresh runs, so the last change is always shown, but
 *   not sooner than `spacingMs` after the previous one started.
 *
 * Why not a debounce: under a steady stream of notices (a long CSV import) a debounce never
 * fires until the stream stops, and it delays the single change too. Why not in-flight
 * de-duplication alone: it only merges what overlaps one round trip, so a burst longer than a
 * round trip still costs a request per round trip. The spacing caps a storm at one request per
 * `spacingMs` whatever the rate of notices.
 */
export interface Coalesced {
  /** Something changed: refresh, now or as soon as the rules allow. */
  poke(): void;
  /** Forget pending work (the view is gone). */
  cancel(): void;
}

export function coalesced(
  refresh: () => Promise<unknown>,
  spacingMs = 1000,
  now: () => number = () => Date.now(),
): Coalesced {
  let dirty = false;
  let running = false;
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastStart = Number.NEGATIVE_INFINITY;

  const schedule = () => {
    // A running refresh (or a timer already set) looks at `dirty` when it ends.
    if (running || timer !== null || cancelled) return;
    const wait = Math.max(0, lastStart + spacingMs - now());
    if (wait === 0) run();
    else timer = setTimeout(run, wait);
  };

  const run = () => {
    timer = null;
    if (!dirty || cancelled) return;
    dirty = false;
    running = true;
    lastStart = now();
    // A failed refresh shows its error where the view shows errors; it still frees the slot.
    void refresh()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (dirty) schedule();
      });
  };

  return {
    poke() {
      dirty = true;
      schedule();
    },
    cancel() {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
