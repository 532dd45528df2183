// A per-principal budget over a sliding window, kept in this process's memory. It bounds how fast one
// officer can probe identifiers (LOOKUP_RATE_LIMIT): every lookup by a full NIK or family-card
// number, and every registration (which answers on the same uniqueness), takes one unit.
//
// In memory per gateway instance: N instances behind a load balancer allow up to N times the budget,
// and a restart forgets it. Every lookup also leaves an access entry, so probing stays visible to
// auditors whatever the budget says.

/** What `take` answers: allowed, or refused until a unit frees up in `retryAfterSeconds`. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one unit of `key`'s budget, or says how long until one is free. */
  take(key: string): RateDecision;
}

/** Keys kept before idle ones are swept: each holds at most `max` timestamps. */
const SWEEP_AT = 10_000;

export function createRateLimiter(
  { max, windowSeconds }: { max: number; windowSeconds: number },
  now: () => number = Date.now,
): RateLimiter {
  const windowMs = windowSeconds * 1000;
  /** Per key, the times of the units taken within the window, oldest first. */
  const taken = new Map<string, number[]>();

  const sweep = (t: number) => {
    for (const [key, times] of taken) if ((times.at(-1) ?? 0) <= t - windowMs) taken.delete(key);
  };

  return {
    take(key) {
      const t = now();
      if (taken.size >= SWEEP_AT) sweep(t);
      const times = taken.get(key) ?? [];
      while (times.length > 0 && (times[0] as number) <= t - windowMs) times.shift();
      if (times.length >= max) {
        const freeAt = (times[0] as number) + windowMs;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - t) / 1000)) };
      }
      times.push(t);
      taken.set(key, times);
      return { allowed: true };
    },
  };
}
