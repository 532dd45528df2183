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

// The reference: the definition written out plainly (sort the keys, write each member), which the
// fast implementation (sorted copies written by JSON.stringify) must match on any JSON value.
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const o = value as Record<string, unknown>;
  const members = Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`);
  return `{${members.join(",")}}`;
}

/** xorshift32: random but repeatable values. */
function prng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

describe("canonicalJson against its plain definition", () => {
  const KEYS = [
    "a",
    "b",
    "B",
    "aa",
    "ä",
    "é",
    "z",
    "10",
    "2",
    "0",
    "-1",
    "01",
    "4294967295",
    "__proto__",
    "😀",
    "",
    "x y",
  ];
  const STRINGS = ["", "x", 'q"uote', "back\\slash", "line\nbreak", "\u0001\u001f\u007f", "ä中😀", "\u2028\u2029"];
  function randomValue(next: () => number, depth: number): unknown {
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)] as T;
    const r = next();
    if (depth > 3 || r < 0.4) return pick<unknown>([null, true, false, 0, -1.5, 1e21, 123456789, ...STRINGS]);
    if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    // Built as JSON.parse builds it, so that "__proto__" is an own member, as in data read back.
    const members = Array.from({ length: Math.floor(next() * 5) }, () => [pick(KEYS), randomValue(next, depth + 1)]);
    return JSON.parse(`{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);
  }

  it("gives the same text for 5,000 random JSON values (integer-like, unicode and __proto__ keys included)", () => {
    const next = prng(20261129);
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(next, 0);
      const text = canonicalJson(value);
      expect(text, JSON.stringify(value)).toBe(reference(value));
      expect(JSON.parse(text)).toEqual(value);
    }
  });

  it("sorts integer-like keys as text, also below ordinary ones, and keeps __proto__ as a member", () => {
    expect(canonicalJson({ a: { "10": 1, "2": 2, b: 3 } })).toBe('{"a":{"10":1,"2":2,"b":3}}');
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it("writes what JSON.stringify would store for values with toJSON (a Date as its ISO text)", () => {
    expect(canonicalJson({ d: new Date(0), n: [new Date(1)] })).toBe(
      '{"d":"1970-01-01T00:00:00.000Z","n":["1970-01-01T00:00:00.001Z"]}',
    );
  });
});
