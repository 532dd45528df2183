// The limits' measures, without I/O: what a document counts as, per request, over fragments once each.
import { type FragmentDefinitionNode, getIntrospectionQuery, getOperationAST, Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { boundedCache } from "../../src/limits/document-cache.ts";
import { PAGE_SIZE } from "../../src/limits/limits.ts";
import { FragmentCycleError, introspectionSizes, type Measure, measureOperation } from "../../src/limits/measure.ts";
import { documentNesting, jsonShape } from "../../src/limits/size.ts";
import { schema } from "../../src/schema/index.ts";

const sizes = introspectionSizes(schema);

function measure(query: string, variables: Record<string, unknown> = {}): Measure {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error("no operation");
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return measureOperation(schema, operation, fragments, variables, sizes);
}

describe("measureOperation", () => {
  it("counts page sizes along each path: rows and cost", () => {
    const m = measure(
      "{ citizens(first: 10) { edges { node { id taxRecords(first: 5) { edges { node { id } } } } } } }",
    );
    expect(m.rows).toBe(10 + 10 * 5);
    // citizens 1; per citizen edges, node, id, taxRecords (4); per tax record edges, node, id (3)
    expect(m.cost).toBe(1 + 10 * 4 + 10 * 5 * 3);
    expect(m.depth).toBe(7);
    expect(m.introspection).toBe(0);
  });

  it("uses the default page size when none is given, and never more than the cap", () => {
    expect(measure("{ citizens { edges { node { id } } } }").rows).toBe(PAGE_SIZE.default);
    expect(measure("{ citizens(first: 100000) { edges { node { id } } } }").rows).toBe(PAGE_SIZE.max);
    expect(measure("{ citizens(first: 0) { edges { node { id } } } }").cost).toBe(1);
    expect(measure("{ citizens(last: 7) { edges { node { id } } } }").rows).toBe(7);
  });

  it("reads page sizes from variables, their defaults and the schema's argument defaults", () => {
    const q = "query($n: Int = 300) { citizens(first: $n) { edges { node { id } } } }";
    expect(measure(q).rows).toBe(300);
    expect(measure(q, { n: 3 }).rows).toBe(3);
    expect(measure(q, { n: null }).rows).toBe(PAGE_SIZE.default);
    // citizenAccessHistory(first: Int = 100) is a plain list with a default page size.
    expect(measure('{ citizenAccessHistory(citizenId: "x") { what } }').cost).toBe(1 + 100);
  });

  it('"least" counts every page size given by a variable as 0: the least any request can measure', () => {
    const document = parse(
      "query($n: Int = 300) { citizens(first: $n) { edges { node { id } } } regions(first: 2) { totalCount } }",
    );
    const operation = getOperationAST(document);
    if (!operation) throw new Error("no operation");
    const least = measureOperation(schema, operation, new Map(), "least", sizes);
    expect(least.rows).toBe(2);
    expect(least.cost).toBe(1 + 1 + 2);
  });

  it("counts a fragment at every place it is spread, scaled by the pages above that place", () => {
    const viaFragment =
      measure(`{ a: citizens(first: 20) { edges { node { ...T } } } b: citizens(first: 3) { edges { node { ...T } } } }
      fragment T on Citizen { x: id taxRecords(first: 50) { edges { node { id } } } }`);
    const inline =
      measure(`{ a: citizens(first: 20) { edges { node { x: id taxRecords(first: 50) { edges { node { id } } } } } }
      b: citizens(first: 3) { edges { node { x: id taxRecords(first: 50) { edges { node { id } } } } } } }`);
    expect(viaFragment).toEqual(inline);
    expect(viaFragment.aliases).toBe(4);
    expect(viaFragment.rows).toBe(20 + 20 * 50 + 3 + 3 * 50);
  });

  it("counts a fragment met again deeper, at the deeper place (depth and rows)", () => {
    const m =
      measure(`{ citizens(first: 2) { edges { node { ...I taxRecords(first: 3) { edges { node { citizen { ...I } } } } } } } }
      fragment I on Citizen { taxRecords(first: 4) { edges { node { id } } } }`);
    expect(m.rows).toBe(2 + 2 * 4 + 2 * 3 + 2 * 3 * 4);
    // citizens edges node taxRecords edges node citizen, then I's taxRecords edges node id
    expect(m.depth).toBe(7 + 4);
  });

  it("is linear in the document: 200 levels of doubling fragments measure at once, without overflow", () => {
    const fragments: string[] = [];
    for (let i = 0; i < 200; i++) {
      const next = i + 1 < 200 ? `...L${i + 1}a ...L${i + 1}b` : "code";
      fragments.push(`fragment L${i}a on Region { ${next} }`, `fragment L${i}b on Region { x${i}: name ${next} }`);
    }
    // Walked without memoising, 200 doubling levels would never finish (the test would time out).
    const m = measure(`{ regions(first: 1) { edges { node { ...L0a ...L0b } } } } ${fragments.join(" ")}`);
    expect(m.cost).toBe(Number.MAX_SAFE_INTEGER);
    expect(m.aliases).toBe(Number.MAX_SAFE_INTEGER);
    expect(Number.isFinite(m.rows)).toBe(true);
  });

  it("keeps huge products finite and page 0 at 0 (no Infinity, no NaN)", () => {
    let nested = "id";
    for (let i = 0; i < 60; i++) nested = `citizen { taxRecords(first: 500) { edges { node { ${nested} } } } }`;
    const m = measure(
      `{ taxRecords(first: 0) { edges { node { citizen { taxRecords(first: 500) { edges { node { ${nested} } } } } } } } }`,
    );
    expect(m.cost).toBe(1);
    const big = measure(`{ taxRecords(first: 500) { edges { node { ${nested} } } } }`);
    expect(big.cost).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("refuses a fragment that spreads itself", () => {
    expect(() => measure("{ regions { edges { node { ...A } } } } fragment A on Region { parent { ...A } }")).toThrow(
      FragmentCycleError,
    );
  });

  it("counts introspection at a tenth, apart, and without its own depth", () => {
    const m = measure(getIntrospectionQuery());
    expect(m.depth).toBe(1);
    expect(m.introspection).toBeGreaterThan(1_000);
    expect(m.cost - m.introspection).toBe(1); // the __schema field itself
    expect(sizes.get("__Schema.types")).toBe(Object.keys(schema.getTypeMap()).length);
  });
});

describe("documentNesting", () => {
  it("counts brackets of every kind", () => {
    expect(documentNesting("{ a { b(x: [[1]]) } }", 100)).toBe(5);
    expect(documentNesting("{ a }", 100)).toBe(1);
  });

  it("skips strings, block strings and comments", () => {
    expect(documentNesting('{ a(x: "{{{{[[[") }', 100)).toBe(2);
    expect(documentNesting('{ a(x: "\\"{{{") }', 100)).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" [[[ """) }', 100)).toBe(2);
    expect(documentNesting("{ a # {{{{{{\n b }", 100)).toBe(1);
  });

  it("stops as soon as the limit is passed", () => {
    expect(documentNesting("[".repeat(1_000_000), 10)).toBe(11);
  });
});

describe("jsonShape", () => {
  it("measures depth and approximate JSON bytes", () => {
    const value = { a: [1, 2, 3], b: { c: "xyz" } };
    const shape = jsonShape(value, { bytes: 1_000, depth: 10 });
    expect(shape.depth).toBe(2);
    expect(Math.abs(shape.bytes - JSON.stringify(value).length)).toBeLessThanOrEqual(4);
  });

  it("walks 100,000 levels without recursion and stops at the limit", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonShape(deep, { bytes: 10_000_000, depth: 64 }).depth).toBe(65);
  });

  it("stops once the bytes pass the limit", () => {
    const shape = jsonShape({ v: Array.from({ length: 100_000 }, () => "ABCDEFGHIJ") }, { bytes: 1_000, depth: 64 });
    expect(shape.bytes).toBeGreaterThan(1_000);
  });
});

describe("boundedCache (parsed documents)", () => {
  it("keeps entries up to a total key length, dropping the least recently used first", () => {
    const cache = boundedCache<number>(10);
    cache.set("aaaa", 1);
    cache.set("bbbb", 2);
    expect(cache.get("aaaa")).toBe(1); // now the most recently used
    cache.set("cccc", 3); // 12 characters: "bbbb" goes
    expect(cache.get("bbbb")).toBeUndefined();
    expect(cache.get("aaaa")).toBe(1);
    expect(cache.get("cccc")).toBe(3);
  });

  it("does not keep an entry larger than the whole budget, and counts a replaced entry once", () => {
    const cache = boundedCache<number>(10);
    cache.set("x".repeat(11), 1);
    expect(cache.get("x".repeat(11))).toBeUndefined();
    cache.set("aaaaa", 1);
    cache.set("aaaaa", 2);
    cache.set("bbbbb", 3);
    expect(cache.get("aaaaa")).toBe(2);
    expect(cache.get("bbbbb")).toBe(3);
  });
});
