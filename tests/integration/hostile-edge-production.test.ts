// Production mode as an attacker with a valid officer's token meets it, over a real HTTP server: the
// schema cannot be learnt (no introspection, in whatever disguise, and no "Did you mean" hints) except
// by the roles INTROSPECTION_ROLES names (default admin); CORS answers only the configured origins and
// never allows credentials.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { createGateway } from "../../src/server/yoga.ts";
import { OFFICERS } from "../fixtures/officers.ts";
import { openTestDatabase } from "../support/db.ts";
import { type RealServer, startRealServer } from "../support/real-server.ts";
import { signToken } from "../support/sign.ts";

const ALLOWED_ORIGIN = "https://layanan.example.go.id";
const PRODUCTION_ENV = {
  NODE_ENV: "production",
  JWT_SECRET: "production-test-secret-0123456789-abcdefghij",
  AUDIT_HMAC_KEY: "production-test-audit-key-0123456789-abcdefgh",
  LOG_LEVEL: "silent",
  CORS_ORIGINS: ALLOWED_ORIGIN,
};
const production: Config = loadConfig(PRODUCTION_ENV);

/** Introspection as it is asked for directly and as it is hidden: aliases, fragments, inline fragments, nesting. */
const INTROSPECTION = {
  schema: "{ __schema { types { name fields { name } } } }",
  type: '{ __type(name: "Citizen") { fields { name type { name } } } }',
  alias: "{ a: __schema { queryType { name } } b: __typename }",
  fragment: "query { ...F } fragment F on Query { __schema { queryType { fields { name } } } }",
  nestedFragment:
    'query { ...A } fragment A on Query { ...B } fragment B on Query { t: __type(name: "Citizen") { name } }',
  inline: "{ ... on Query { __schema { types { name } } } }",
  named: "query IntrospectionQuery { __schema { queryType { name } } }",
} as const;

/** Documents whose error messages would suggest schema names, and the names they would leak. */
const SUGGESTING: Array<{ what: string; query: string; variables?: Record<string, unknown>; leak: RegExp }> = [
  { what: "a misspelt field", query: "{ citizenz { id } }", leak: /"citizens?"/ },
  { what: "a misspelt argument", query: "{ citizens(frist: 1) { totalCount } }", leak: /"first"/ },
  { what: "a misspelt enum value", query: "{ citizens(where: { status: [ALIV] }) { totalCount } }", leak: /"ALIVE"/ },
  {
    what: "a misspelt input field",
    query: "{ citizens(where: { statuss: [ALIVE] }) { totalCount } }",
    leak: /"status"/,
  },
  {
    what: "a misspelt input field in variables",
    query: "query($w: CitizenWhere) { citizens(where: $w) { totalCount } }",
    variables: { w: { statuss: ["ALIVE"] } },
    leak: /"status"/,
  },
  {
    what: "a misspelt enum value in variables",
    query: "query($w: CitizenWhere) { citizens(where: $w) { totalCount } }",
    variables: { w: { status: ["ALIV"] } },
    leak: /"ALIVE"/,
  },
  {
    what: "a misspelt type",
    query: "query($w: CitizenWher) { citizens(where: $w) { totalCount } }",
    leak: /"CitizenWhere"/,
  },
];

type Body = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

describe("production mode against the real HTTP server", () => {
  let db: Database;
  let server: RealServer;
  const roles = [...loadPolicy(production.policyDir, schema).roles.keys()];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    server = await startRealServer(db, production);
    for (const role of roles) {
      const officer = Object.values(OFFICERS).find((o) => o.role === role) ?? { role };
      tokens.set(role, await signToken(production, { ...officer, sub: `prod-${role}` }));
    }
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  const tokenOf = (role: string) => tokens.get(role) ?? "";

  it("refuses introspection, however it is hidden, to every role but admin", async () => {
    expect(roles.length).toBeGreaterThan(5);
    for (const role of roles.filter((r) => r !== "admin")) {
      for (const [name, query] of Object.entries(INTROSPECTION)) {
        const res = await server.graphql(query, { token: tokenOf(role) });
        const body = res.json as Body;
        const what = `${role}: ${name}`;
        expect(body.data ?? undefined, what).toBeUndefined();
        expect(body.errors?.length, what).toBeGreaterThan(0);
        expect(body.errors?.[0]?.message, what).toMatch(/introspection/i);
        // The refusal names the fields the caller wrote, and nothing else about the schema.
        expect(res.text, what).not.toMatch(/"data"|"name":|"kind":/);
      }
    }
  });

  it("lets admin introspect, and an admin's answer is never reused for another role", async () => {
    for (const [name, query] of Object.entries(INTROSPECTION)) {
      // Admin first: a validation cache keyed by the document alone would now pass the document for everyone.
      const admin = (await server.graphql(query, { token: tokenOf("admin") })).json as Body;
      expect(admin.errors, `admin: ${name}`).toBeUndefined();
      const after = (await server.graphql(query, { token: tokenOf("registry_officer") })).json as Body;
      expect(after.data ?? undefined, `registry_officer after admin: ${name}`).toBeUndefined();
      const again = (await server.graphql(query, { token: tokenOf("admin") })).json as Body;
      expect(again.errors, `admin again: ${name}`).toBeUndefined();
    }
  });

  it("gives no field suggestions to any role but admin", async () => {
    for (const role of roles.filter((r) => r !== "admin")) {
      for (const s of SUGGESTING) {
        const res = await server.graphql(s.query, {
          token: tokenOf(role),
          ...(s.variables ? { variables: s.variables } : {}),
        });
        const body = res.json as Body;
        const what = `${role}: ${s.what}`;
        expect(body.errors?.length, what).toBeGreaterThan(0);
        expect(res.text, what).not.toMatch(/Did you mean/i);
        expect(res.text, what).not.toMatch(s.leak);
      }
    }
  });

  it("keeps suggestions for admin, and admin's messages are never reused for another role", async () => {
    for (const s of SUGGESTING) {
      const vars = s.variables ? { variables: s.variables } : {};
      const admin = await server.graphql(s.query, { token: tokenOf("admin"), ...vars });
      expect(admin.text, `admin: ${s.what}`).toMatch(/Did you mean/);
      const other = await server.graphql(s.query, { token: tokenOf("front_office"), ...vars });
      expect(other.text, `front_office after admin: ${s.what}`).not.toMatch(/Did you mean/);
      const adminAgain = await server.graphql(s.query, { token: tokenOf("admin"), ...vars });
      expect(adminAgain.text, `admin again: ${s.what}`).toMatch(/Did you mean/);
    }
  });

  it("answers CORS only for the configured origin, and never allows credentials", async () => {
    const preflight = (origin: string) =>
      server.send({
        method: "OPTIONS",
        path: "/graphql",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    for (const origin of [
      "https://evil.example",
      "null",
      "https://layanan.example.go.id.evil.example",
      "http://layanan.example.go.id",
    ]) {
      const res = await preflight(origin);
      expect(res.headers["access-control-allow-origin"], origin).toBeUndefined();
      expect(res.headers["access-control-allow-credentials"], origin).toBeUndefined();
      expect(res.headers["access-control-allow-headers"], origin).toBeUndefined();
      const post = await server.graphql("{ __typename }", { token: tokenOf("front_office"), headers: { origin } });
      expect(post.headers["access-control-allow-origin"], `POST from ${origin}`).toBeUndefined();
      expect(post.headers["access-control-allow-credentials"], `POST from ${origin}`).toBeUndefined();
    }
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(String(allowed.headers["access-control-allow-headers"])).toMatch(/authorization/i);
    const post = await server.graphql("{ __typename }", {
      token: tokenOf("front_office"),
      headers: { origin: ALLOWED_ORIGIN },
    });
    expect(post.headers["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
    expect(post.headers["access-control-allow-credentials"]).toBeUndefined();
    expect((post.json as Body).data).toEqual({ __typename: "Query" });
  });

  it("refuses a form post without the CSRF header (a browser sends it cross-site without a preflight)", async () => {
    const form = await server.send({
      method: "POST",
      path: "/graphql",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Bearer ${tokenOf("front_office")}`,
      },
      body: `query=${encodeURIComponent("{ __typename }")}`,
    });
    expect(form.status).toBe(403);
    expect(form.json?.data ?? undefined).toBeUndefined();
  });

  it("refuses to start with an INTROSPECTION_ROLES role that no policy defines", () => {
    const typo = loadConfig({ ...PRODUCTION_ENV, INTROSPECTION_ROLES: "admn" });
    expect(() => createGateway({ config: typo, db })).toThrow(/INTROSPECTION_ROLES: no role "admn"/);
  });

  it("refuses all of it at once and keeps answering others", async () => {
    const all = await Promise.all(
      Object.values(INTROSPECTION).map((q) => server.graphql(q, { token: tokenOf("front_office") })),
    );
    for (const r of all) expect((r.json as Body).data ?? undefined).toBeUndefined();
    const ok = await server.graphql("{ __typename }", { token: tokenOf("front_office") });
    expect((ok.json as Body).data).toEqual({ __typename: "Query" });
  });
});
