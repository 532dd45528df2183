// The per-principal budget behind LOOKUP_RATE_LIMIT: a sliding window, one budget per key, with a
// clock the test moves by hand (no wall-clock time in tests).
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/limits/rate-limit.ts";

describe("createRateLimiter", () => {
  it("allows max units per window and key, then says when the oldest frees up", () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ max: 3, windowSeconds: 60 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.take("a")).toEqual({ allowed: true });
      now += 10_000;
    }
    // Units taken at 0 s, 10 s and 20 s; at 30 s the first frees up at 60 s.
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take("b")).toEqual({ allowed: true });
    now += 30_000;
    expect(limiter.take("a")).toEqual({ allowed: true });
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it("a refused attempt takes nothing: the budget frees up on schedule under pressure", () => {
    let now = 0;
    const limiter = createRateLimiter({ max: 1, windowSeconds: 5 }, () => now);
    expect(limiter.take("k").allowed).toBe(true);
    for (let i = 0; i < 100; i++) expect(limiter.take("k").allowed).toBe(false);
    now += 5_000;
    expect(limiter.take("k").allowed).toBe(true);
  });
});
