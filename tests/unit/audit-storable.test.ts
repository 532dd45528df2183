// What an audit entry stores of a caller's text: bounded, marked when cut, never cut inside a
// character, and free of what PostgreSQL cannot store (NUL, half a surrogate pair).
import { describe, expect, it } from "vitest";
import { AUDIT_TEXT_MAX, storable } from "../../src/audit/transaction.ts";

describe("storable", () => {
  it("keeps text within the maximum as it is", () => {
    expect(storable("Jl. Mawar No. 9", 256)).toBe("Jl. Mawar No. 9");
    expect(storable("a".repeat(256), 256)).toBe("a".repeat(256));
  });

  it("cuts longer text and says how long it was", () => {
    const cut = storable("a".repeat(10_000_000), AUDIT_TEXT_MAX.column);
    expect(cut).toBe(`${"a".repeat(256)}…[truncated, 10000000 characters]`);
  });

  it("never cuts between the halves of a surrogate pair", () => {
    const cut = storable(`${"a".repeat(255)}😀😀`, 256);
    expect(cut).toBe(`${"a".repeat(255)}…[truncated, 259 characters]`);
    expect(cut).not.toMatch(/[\ud800-\udfff]/u);
  });

  it("replaces NUL and lone surrogates, keeps pairs", () => {
    expect(storable("a\u0000b\ud800c\udfffd😀", 256)).toBe("a\ufffdb\ufffdc\ufffdd😀");
  });
});
