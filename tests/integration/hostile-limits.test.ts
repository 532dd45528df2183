// A hostile caller against the real HTTP server: documents, variables and bodies built to freeze the
// process, slip past the limits or fill memory. Every one must be refused quickly with a clean code
// (QUERY_TOO_LARGE and the limit's name, or a standard GraphQL/HTTP refusal), and the server must go
// on answering everyone else. Figures in the comments are what the gateway did before these limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";
import { type Database, openPostgres } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { fromDatabaseError } from "../../src/errors.ts";
import { LIMITS } from "../../src/limits/limits.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { openEmptyPostgres, openTestDatabase } from "../support/db.ts";
import type { GraphQLResponse } from "../support/gateway.ts";
import { type HttpGateway, type RawResponse, startHttpGateway } from "../support/http-server.ts";

const MB = 1024 * 1024;
/** A query that uses a list variable, so validation does not refuse it for an unused variable. */
const BIG_VARIABLES_QUERY = "query Big($v: [String!]) { regions(where: { code: { in: $v } }) { totalCount } }";
/** Generous on a shared 2-core machine; the attacks below took 2 to 240 s before the limits. */

/**
 * `levels` levels of two fragments each, every fragment spreading both fragments of the next level:
 * 2^levels paths through a document of a few KB. `nested` puts each level one field deeper.
 */
function exponentialFragments(levels: number, nested: boolean): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) {
    const next = i + 1 < levels ? `...L${i + 1}a ...L${i + 1}b` : "code";
    const body = nested ? `parent { ${next} }` : next;
    fragments.push(`fragment L${i}a on Region { ${body} }`, `fragment L${i}b on Region { name ${body} }`);
  }
  return `{ regions(first: 1) { edges { node { ...L0a ...L0b } } } }\n${fragments.join("\n")}`;
}

function codeAndLimit(res: GraphQLResponse | RawResponse): Array<[unknown, unknown]> {
  const errors = ("errors" in res ? res.errors : (res as RawResponse).json?.errors) as GraphQLResponse["errors"];
  return (errors ?? []).map((e) => [e.extensions?.code, e.extensions?.limit]);
}

function expectRefused(res: GraphQLResponse | RawResponse, limits: string | string[], status?: number) {
  const names = Array.isArray(limits) ? limits : [limits];
  const seen = codeAndLimit(res);
  expect(
    seen.some(([code, limit]) => code === "QUERY_TOO_LARGE" && names.includes(String(limit))),
    `expected QUERY_TOO_LARGE for ${names.join(" or ")}, got ${JSON.stringify(seen)} (HTTP ${res.status}): ${res.text.slice(0, 300)}`,
  ).toBe(true);
  const data = "data" in res ? res.data : (res as RawResponse).json?.data;
  expect(data ?? null).toBeNull();
  if (status !== undefined) expect(res.status).toBe(status);
}

/** Wall time and this process's CPU time (client and server both live here) of one call. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

describe("hostile callers against the HTTP server: limits", () => {
  let db: Database;
  let http: HttpGateway;
  let token: string;

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    await seed(db.prisma, { citizens: 30 });
    http = await startHttpGateway(db);
    token = await tokenFor(http, "taxBogor");
  });
  afterAll(async () => {
    await http?.close();
    await db?.close();
  });

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    http.raw({
      body,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    });

  /** The server still answers an ordinary query, correctly. */
  async function stillAnswers() {
    const res = await http.query<{ regions: { edges: unknown[] } }>(
      "{ regions(first: 2) { edges { node { code } } } }",
      { token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.regions.edges).toHaveLength(2);
  }

  describe("documents that cost more to measure than to send", () => {
    it("22 levels of doubling fragments (12 CPU-s before) are refused at once; a small query beside them is answered", async () => {
      for (const nested of [true, false]) {
        const doc = exponentialFragments(22, nested);
        expect(doc.length).toBeLessThan(3_000);
        const { value } = await measured(() =>
          Promise.all([
            http.query(doc, { token }),
            http.query("{ regions(first: 1) { edges { node { code } } } }", { token }),
          ]),
        );
        const [big, small] = value;
        expectRefused(big, nested ? "maxDepth" : "maxCost", 400);
        expect(small.errors).toBeUndefined();
      }
    });

    it("the same at 60 levels: the measure is linear in the document, not in its paths", async () => {
      const { value } = await measured(() => http.query(exponentialFragments(60, false), { token }));
      expectRefused(value, "maxCost", 400);
    });

    it("circular fragments are refused by validation, quickly", async () => {
      const doc = `{ regions(first: 1) { edges { node { ...A } } } }
        fragment A on Region { parent { ...B } } fragment B on Region { parent { ...A } }`;
      const { value } = await measured(() => http.query(doc, { token }));
      expect(value.status).toBe(400);
      expect(value.data ?? null).toBeNull();
      expect(value.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself/);
    });

    it("hundreds of identical fields (quadratic field merging) stay cheap or are refused", async () => {
      const doc = `{ ${"citizens(first: 1) { totalCount } ".repeat(200)} }`;
      const { value } = await measured(() => http.query(doc, { token }));
      if (value.errors) expectRefused(value, ["maxTokens", "maxCost"]);
    });
  });

  describe("fragments do not hide work from the limits", () => {
    it("101 aliases through a fragment used several times are counted each time (80 passed before)", async () => {
      const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(" ");
      const roots = Array.from({ length: 5 }, (_, i) => `r${i}: citizens(first: 1) { edges { node { ...Many } } }`);
      const res = await http.query(`{ ${roots.join(" ")} } fragment Many on Citizen { ${aliases} }`, { token });
      expectRefused(res, "maxAliases", 400);
    });

    it("101 plain aliases are refused", async () => {
      const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(" ");
      expectRefused(await http.query(`{ ${aliases} }`, { token }), ["maxAliases", "maxTokens"], 400);
    });

    it("a fragment with a nested list, met again inside a list, is counted there too (250,000 rows before)", async () => {
      const doc = `{ citizens(first: 20) { edges { node {
          ...Inner
          taxRecords(first: 50) { edges { node { citizen { ...Inner } } } } } } } }
        fragment Inner on Citizen { taxRecords(first: 50) { edges { node { id period } } } }`;
      expectRefused(await http.query(doc, { token }), ["maxRows", "maxCost"], 400);
    });

    it("depth through a fragment used a second time, deeper, is counted at the deeper place", async () => {
      const doc = `{ regions(first: 1) { edges { node {
          ...P4 parent { parent { parent { parent { parent { ...P4 } } } } } } } } }
        fragment P4 on Region { parent { parent { parent { parent { code } } } } }`;
      expectRefused(await http.query(doc, { token }), "maxDepth", 400);
    });
  });

  describe("limits are judged per request, with its variables", () => {
    const doc = (tag: string) =>
      `query Pages${tag}($n: Int, $m: Int) { citizens(first: $n) { edges { node { id taxRecords(first: $m) { edges { node { id } } } } } } }`;

    it("the same document with small then large page sizes: the second is refused", async () => {
      const small = await http.query(doc("SmallThenLarge"), { token, variables: { n: 5, m: 5 } });
      expect(small.errors).toBeUndefined();
      const large = await http.query(doc("SmallThenLarge"), { token, variables: { n: 500, m: 500 } });
      expectRefused(large, ["maxRows", "maxCost"], 400);
    });

    it("a refused request does not poison the document for the next caller", async () => {
      const large = await http.query(doc("Poison"), { token, variables: { n: 500, m: 500 } });
      expectRefused(large, ["maxRows", "maxCost"], 400);
      const other = await http.token("tax_officer", { subject: "another", region: "32.01", agency: "BAPENDA-3201" });
      for (const t of [token, other]) {
        const small = await http.query<{ citizens: { edges: unknown[] } }>(doc("Poison"), {
          token: t,
          variables: { n: 20, m: 5 },
        });
        expect(small.errors).toBeUndefined();
        expect(small.data?.citizens.edges.length).toBeGreaterThan(0);
      }
    });

    it("in a document of two operations, refusing the large one does not refuse the small one", async () => {
      const doc = `query Big { citizens(first: 500) { edges { node { id taxRecords(first: 500) { edges { node { id } } } } } } }
        query Small { regions(first: 2) { edges { node { code } } } }`;
      const big = await http.raw({
        body: JSON.stringify({ query: doc, operationName: "Big" }),
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });
      expectRefused(big, ["maxRows", "maxCost"], 400);
      const small = await http.raw({
        body: JSON.stringify({ query: doc, operationName: "Small" }),
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });
      expect(small.status).toBe(200);
      expect(small.json?.errors).toBeUndefined();
    });

    it("variable defaults count: ($n: Int = 500) is a page of 500", async () => {
      const res = await http.query(
        `query Defaults($n: Int = 500, $m: Int = 500) { citizens(first: $n) { edges { node { id taxRecords(first: $m) { edges { node { id } } } } } } }`,
        { token },
      );
      expectRefused(res, ["maxRows", "maxCost"], 400);
    });

    it("page sizes hidden in a variable inside a fragment count too", async () => {
      const res = await http.query(
        `query InFragment($m: Int) { citizens(first: 500) { edges { node { ...T } } } }
         fragment T on Citizen { taxRecords(first: $m) { edges { node { id period taxType } } } }`,
        { token, variables: { m: 500 } },
      );
      expectRefused(res, ["maxRows", "maxCost"], 400);
    });
  });

  describe("sizes are capped before anything is parsed", () => {
    it("a 10 MB document is refused before its body is read (it was parsed: 2 CPU-s)", async () => {
      const body = JSON.stringify({ query: `{ ${"__typename ".repeat(MB)} }` });
      expect(body.length).toBeGreaterThan(10 * MB);
      const { value } = await measured(() => post(body));
      expectRefused(value, "maxBodyBytes", 413);
      await stillAnswers();
    });

    it("a 10 MB body sent chunked, without a length, is cut off at the limit", async () => {
      const chunk = Buffer.from(" ".repeat(64 * 1024));
      async function* body() {
        yield Buffer.from('{"query": "{ __typename }", "padding": "');
        for (let i = 0; i < 160; i++) yield chunk;
        yield Buffer.from('"}');
      }
      const { value } = await measured(() =>
        http.raw({
          body: body(),
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        }),
      );
      expectRefused(value, "maxBodyBytes", 413);
      await stillAnswers();
    });

    it("a document over the document size limit (but under the body limit) is refused before parsing", async () => {
      const query = `{ ${"__typename ".repeat(Math.ceil((LIMITS.maxDocumentBytes + 1) / 11))} }`;
      expect(query.length).toBeGreaterThan(LIMITS.maxDocumentBytes);
      expectRefused(await http.query(query, { token }), "maxDocumentBytes", 413);
    });

    it("a document of more tokens than allowed is refused by the parser", async () => {
      const query = `{ ${"__typename ".repeat(LIMITS.maxTokens + 1)} }`;
      expect(query.length).toBeLessThan(LIMITS.maxDocumentBytes);
      expectRefused(await http.query(query, { token }), "maxTokens", 400);
    });

    it("a list literal nested 10,000 deep (a stack overflow before) is refused", async () => {
      const deep = `${"[".repeat(10_000)}MALE${"]".repeat(10_000)}`;
      const res = await http.query(`{ citizens(where: { sex: ${deep} }) { totalCount } }`, { token });
      expectRefused(res, "maxNesting", 400);
      await stillAnswers();
    });

    it("a selection set nested 10,000 deep is refused", async () => {
      const query = `${"{ regions { edges { node { parent ".repeat(2_500)}${"} } } }".repeat(2_500)}`;
      expectRefused(await http.query(query.slice(0, LIMITS.maxDocumentBytes), { token }), "maxNesting", 400);
    });

    it("10 MB of variables (before: 'Unexpected error.') are refused before being read", async () => {
      const v = Array.from({ length: 700_000 }, () => "ABCDEFGHIJKL");
      const body = JSON.stringify({ query: BIG_VARIABLES_QUERY, variables: { v } });
      expect(body.length).toBeGreaterThan(10 * MB);
      expectRefused(await post(body), "maxBodyBytes", 413);
      await stillAnswers();
    });

    it("variables over the variables limit (but under the body limit) are refused", async () => {
      const v = Array.from({ length: Math.ceil(LIMITS.maxVariablesBytes / 10) }, () => "ABCDEFGHIJ");
      const res = await http.query(BIG_VARIABLES_QUERY, { token, variables: { v } });
      expectRefused(res, "maxVariablesBytes", 413);
    });

    it("variables nested 10,000 deep are refused", async () => {
      const deep = `${"[".repeat(10_000)}"MALE"${"]".repeat(10_000)}`;
      const body = `{"query": "query Deep($s: [Sex!]) { citizens(where: { sex: $s }) { totalCount } }", "variables": {"s": ${deep}}}`;
      expectRefused(await post(body), "maxNesting", 400);
      await stillAnswers();
    });

    it("a huge operation name (stored in the audit trail before) is refused, in the document and as a parameter", async () => {
      const name = `Op${"x".repeat(10_000)}`;
      expectRefused(await http.query(`query ${name} { __typename }`, { token }), "maxOperationNameLength", 400);
      const body = JSON.stringify({ query: `query ${name} { __typename }`, operationName: name });
      expectRefused(await post(body), "maxOperationNameLength", 400);
    });

    it("1,000 duplicated directives are refused before validation", async () => {
      const res = await http.query(`{ __typename ${"@include(if: true) ".repeat(1_000)} }`, { token });
      expectRefused(res, ["maxDirectives", "maxTokens"], 400);
      const few = Math.floor(LIMITS.maxTokens / 8);
      const unknown = await http.query(`{ __typename ${"@a ".repeat(Math.min(few, LIMITS.maxDirectives + 1))} }`, {
        token,
      });
      expectRefused(unknown, "maxDirectives", 400);
    });

    it("batches (a JSON array of operations) are refused", async () => {
      const one = { query: "{ regions(first: 1) { edges { node { code } } } }" };
      const res = await post(JSON.stringify(Array.from({ length: 100 }, () => one)));
      expect(res.status).toBe(400);
      expect(res.json?.data ?? null).toBeNull();
      expect(codeAndLimit(res)).toEqual([["BAD_REQUEST", undefined]]);
    });

    it("without a token, a 10 MB body is answered 401 without being read", async () => {
      const body = JSON.stringify({ query: `{ ${"__typename ".repeat(MB)} }` });
      const { value } = await measured(() => http.raw({ body, headers: { "content-type": "application/json" } }));
      expect(value.status).toBe(401);
    });
  });

  it("after all of that, the server still answers", async () => {
    await stillAnswers();
  });
});

/** The same database with every Prisma query `ms` slower: an execution that outlives a short timeout. */
function slowed(db: Database, ms: number): Database {
  const prisma = db.prisma.$extends({
    query: {
      async $allOperations({ args, query }) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return query(args);
      },
    },
  });
  // An extended client has a wider type; the gateway uses only what PrismaClient has.
  return { ...db, prisma: prisma as unknown as Database["prisma"] };
}

describe("hostile callers against the HTTP server: execution limits", () => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    await seed(db.prisma, { citizens: 30 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("an answer larger than the response cap is replaced by a refusal", async () => {
    const http = await startHttpGateway(db, { limits: { maxResponseBytes: 2_000 } });
    try {
      const token = await tokenFor(http, "taxBogor");
      const small = await http.query("{ regions(first: 1) { edges { node { code } } } }", { token });
      expect(small.errors).toBeUndefined();
      const res = await http.query("{ regions(first: 100) { edges { node { code name level validFrom } } } }", {
        token,
      });
      expectRefused(res, "maxResponseBytes");
      expect(res.text.length).toBeLessThan(2_000);
    } finally {
      await http.close();
    }
  });

  it("an execution that outlives the timeout is answered with an error and not waited for", async () => {
    const delay = 1_500;
    const http = await startHttpGateway(slowed(db, delay), { limits: { executionTimeoutMs: 100 } });
    try {
      const token = await tokenFor(http, "taxBogor");
      const { value, ms } = await measured(() =>
        http.query("{ citizens(first: 30) { totalCount edges { node { id } } } }", { token }),
      );
      expectRefused(value, "executionTimeoutMs", 503);
      // An order, not a speed: the answer came before the slowed query (15× the timeout) could finish.
      expect(ms).toBeLessThan(delay);
      // Mutations are not cut off: their transaction decides (here it simply takes its time).
    } finally {
      await new Promise((resolve) => setTimeout(resolve, delay)); // let the slowed queries finish
      await http.close();
    }
  });
});

describe.runIf(testDatabaseUrl())("PostgreSQL stops a statement that outlives the execution timeout", () => {
  it("statement_timeout cancels it, and the error says which limit", async () => {
    const scratch = await openEmptyPostgres();
    const db = await openPostgres(scratch.url, 1, { statementTimeoutMs: 200 });
    try {
      const error = await db.prisma.$queryRawUnsafe("SELECT pg_sleep(2)").then(
        () => undefined,
        (e: unknown) => e,
      );
      const translated = fromDatabaseError(error);
      expect(translated?.extensions).toMatchObject({ code: "QUERY_TOO_LARGE", limit: "executionTimeoutMs" });
    } finally {
      await db.close();
      await scratch.close();
    }
  });
});
