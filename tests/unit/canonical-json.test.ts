// The audit hashes depend on canonicalJson producing exactly the same text for the same value:
// pinned here, including key order, nesting, escapes and members left out.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/hash.ts";

describe("canonicalJson", () => {
  it("sorts keys at every level and leaves undefined members out", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: "x" }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":"x","z":null}]},"b":1}',
    );
  });

  it("orders keys by UTF-16 code units and escapes like JSON", () => {
    expect(canonicalJson({ b: 1, B: 2, ä: 3, _: 4, "1": 5 })).toBe('{"1":5,"B":2,"_":4,"b":1,"ä":3}');
    expect(canonicalJson({ 'q"\n': 'v"\\' })).toBe('{"q\\"\\n":"v\\"\\\\"}');
  });

  it("writes scalars, null and empty containers as JSON does", () => {
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson(true)).toBe("true");
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({})).toBe("{}");
  });
});
