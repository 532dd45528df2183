// The edge as an attacker meets it, over a real HTTP server: every spelling of a path that could reach
// GraphQL, every method and content type, without a token and with one. Only the exact POST /graphql
// serves GraphQL; anything else is 404 (another path), 401 (no valid token) or 405 (not POST), and an
// anonymous caller never sees a parse or validation message ("Did you mean …", limits).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import type { Database } from "../../src/db/database.ts";
import { openTestDatabase } from "../support/db.ts";
import { testConfig } from "../support/gateway.ts";
import { type RawResponse, type RealServer, startRealServer } from "../support/real-server.ts";

/** A document whose validation would name schema fields ("Did you mean "citizen" or "citizens"?"). */
const PROBE = "{ citizenz { id } }";
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

/** Paths that are not the endpoint but that Yoga (request.url.endsWith, URLPattern) or a proxy might take for it. */
const OTHER_PATHS = [
  "/graphql/",
  "//graphql",
  "///graphql",
  "/x/graphql",
  "/x/graphql/",
  "/x?y=/graphql",
  "/x?/graphql",
  "/x#/graphql",
  "/%67raphql",
  "/graphq%6C",
  "/GRAPHQL",
  "/Graphql",
  "/graphql;x",
  "/graphql%2F",
  "/graphql%00",
  "/graphql.json",
  "/healthz/graphql",
  "/readyz/graphql",
  "/graphiql",
  "/",
];

/** Spellings that a URL parser turns into exactly /graphql: they are the endpoint, so they need a token. */
const SAME_PATH = ["/graphql", "/graphql?x", "/graphql?x=/y", "/./graphql", "/x/../graphql", "/graphql#x"];

/** What an anonymous caller may see: nothing from GraphQL but UNAUTHENTICATED, or an empty 404. */
function expectNoGraphQL(res: RawResponse, what: string) {
  expect(res.text, what).not.toMatch(/Did you mean|Cannot query field|Syntax Error|QUERY_TOO_LARGE/);
  expect(res.json?.data, what).toBeUndefined();
  if (res.status === 404) {
    expect(res.text, what).toBe("");
    return;
  }
  expect(res.status, what).toBe(401);
  expect(res.json?.errors, what).toEqual([{ message: expect.any(String), extensions: { code: "UNAUTHENTICATED" } }]);
  expect(res.headers["www-authenticate"], what).toBe('Bearer realm="gerbang"');
}

describe("paths and methods against the real HTTP server", () => {
  let db: Database;
  let server: RealServer;
  let token: string;

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    server = await startRealServer(db, testConfig);
    token = await issueDevToken(testConfig, { role: "admin" });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it("answers every other path with an empty 404, with or without a token", async () => {
    for (const path of OTHER_PATHS) {
      for (const auth of [{}, { authorization: `Bearer ${token}` }]) {
        const post = await server.send({
          method: "POST",
          path,
          headers: { ...JSON_HEADERS, ...auth },
          body: JSON.stringify({ query: PROBE }),
        });
        const what = `POST ${path} ${auth.authorization ? "with" : "without"} a token`;
        expect(post.status, what).toBe(404);
        expectNoGraphQL(post, what);
        const query = `${path.includes("?") ? "&" : "?"}query=${encodeURIComponent(PROBE)}`;
        const get = await server.send({ method: "GET", path: `${path}${query}`, headers: auth });
        expect(get.status, `GET ${path}`).toBe(404);
      }
    }
  });

  it("needs a token on every spelling of the endpoint, before the query is parsed", async () => {
    for (const path of SAME_PATH) {
      const res = await server.send({
        method: "POST",
        path,
        headers: JSON_HEADERS,
        body: JSON.stringify({ query: PROBE }),
      });
      expectNoGraphQL(res, `POST ${path}`);
      expect(res.status, `POST ${path}`).toBe(401);
    }
  });

  it("needs a token for every method and content type Yoga parses", async () => {
    const bodies: Array<{ method: string; headers: Record<string, string>; body?: string; path?: string }> = [
      { method: "GET", headers: { accept: "application/json" }, path: `/graphql?query=${encodeURIComponent(PROBE)}` },
      { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ query: PROBE }) },
      { method: "POST", headers: { "content-type": "application/graphql" }, body: PROBE },
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `query=${PROBE}` },
      { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: PROBE }) },
      { method: "POST", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x--" },
      { method: "POST", headers: JSON_HEADERS, body: JSON.stringify([{ query: PROBE }, { query: PROBE }]) },
      { method: "PUT", headers: JSON_HEADERS, body: JSON.stringify({ query: PROBE }) },
      { method: "PATCH", headers: JSON_HEADERS, body: JSON.stringify({ query: PROBE }) },
      { method: "DELETE", headers: JSON_HEADERS },
      { method: "HEAD", headers: {} },
    ];
    for (const b of bodies) {
      const res = await server.send({ path: "/graphql", ...b });
      const what = `${b.method} ${b.headers["content-type"] ?? ""}`;
      expect(res.status, what).toBe(401);
      if (b.method !== "HEAD") expectNoGraphQL(res, what);
    }
  });

  it("sees through Host headers and absolute request targets that would move the path", async () => {
    const cases: Array<{ path: string; host: string; expected: number }> = [
      // The URL Yoga builds is `http://<host><path>`: a Host ending in `?` or `#` hides the real path.
      { path: "/x", host: "h/graphql?", expected: 401 },
      { path: "/graphql", host: "h/x?", expected: 404 },
      { path: "/graphql", host: "h#", expected: 404 },
      { path: "/graphql", host: "h/x#", expected: 404 },
      { path: "http://evil.example/graphql", host: "h", expected: 404 },
    ];
    for (const c of cases) {
      const res = await server.send({
        method: "POST",
        path: c.path,
        headers: { ...JSON_HEADERS, host: c.host },
        body: JSON.stringify({ query: PROBE }),
      });
      const what = `POST ${c.path} Host: ${c.host}`;
      expect(res.status, what).toBe(c.expected);
      expectNoGraphQL(res, what);
    }
  });

  it("serves GraphQL only over POST: GET queries and GET mutations are 405 even with a token", async () => {
    const get = await server.send({
      method: "GET",
      path: `/graphql?query=${encodeURIComponent("{ __typename }")}`,
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
    });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe("POST");
    expect(get.json?.data).toBeUndefined();
    const mutation = await server.send({
      method: "GET",
      path: `/graphql?query=${encodeURIComponent("mutation { __typename }")}`,
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
    });
    expect(mutation.status).toBe(405);
    expect(mutation.json?.data).toBeUndefined();
    const post = await server.graphql("{ __typename }", { token });
    expect(post.status).toBe(200);
    expect(post.json?.data).toEqual({ __typename: "Query" });
  });

  it("answers health and readiness only on their own paths, without a token", async () => {
    expect((await server.send({ path: "/healthz" })).status).toBe(200);
    expect((await server.send({ path: "/readyz" })).status).toBe(200);
    expect((await server.send({ path: "/x/readyz" })).status).toBe(404);
    // A GraphQL body sent there is never parsed.
    const post = await server.send({
      method: "POST",
      path: "/readyz",
      headers: JSON_HEADERS,
      body: JSON.stringify({ query: PROBE }),
    });
    expect(post.status).toBe(200);
    expect(post.text).toBe("");
  });

  it("refuses all of it at once and keeps answering others", async () => {
    const refusals = await Promise.all(
      [...OTHER_PATHS, ...SAME_PATH].map((path) =>
        server.send({ method: "POST", path, headers: JSON_HEADERS, body: JSON.stringify({ query: PROBE }) }),
      ),
    );
    for (const r of refusals) expect([401, 404]).toContain(r.status);
    const ok = await server.graphql("{ __typename }", { token });
    expect(ok.json?.data).toEqual({ __typename: "Query" });
  });
});
