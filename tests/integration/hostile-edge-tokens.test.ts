// Tokens, client addresses and request ids as an attacker would forge them, over a real HTTP server.
// A token must be signed by a configured key with an allowed algorithm, for our issuer and audience,
// carry exp and iat, live no longer than JWT_MAX_LIFETIME, and be neither issued nor valid only in
// the future (beyond JWT_CLOCK_SKEW). x-forwarded-for counts only when the socket's peer is a trusted
// proxy; a caller's x-request-id is kept beside ours (clientRequestId), never instead of it.
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { OFFICERS } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type RawResponse, type RealServer, startRealServer } from "../support/real-server.ts";
import { HOUR, now, signToken, YEAR } from "../support/sign.ts";

const KEYS = {
  AUDIT_HMAC_KEY: "token-test-audit-key-0123456789-abcdefghijkl",
  LOG_LEVEL: "silent",
  NODE_ENV: "production",
} as const;
const hs256: Config = loadConfig({ ...KEYS, JWT_SECRET: "token-test-secret-0123456789-abcdefghijklmn" });
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const rs256: Config = loadConfig({ ...KEYS, JWT_PUBLIC_KEY: publicPem });

const OFFICER = { role: "front_office", region: "32.01", agency: "DUKCAPIL-3201" };
const QUERY = "{ __typename }";

function expectRefused(res: RawResponse, what: string) {
  expect(res.status, what).toBe(401);
  expect(res.json?.data, what).toBeUndefined();
  expect((res.json?.errors as Array<{ extensions: { code: string } }>)?.[0]?.extensions.code, what).toBe(
    "UNAUTHENTICATED",
  );
  expect(res.ms, what).toBeLessThan(1_000);
}

describe("tokens against the real HTTP server", () => {
  let db: Database;
  let server: RealServer;
  let rsServer: RealServer;

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    server = await startRealServer(db, hs256);
    rsServer = await startRealServer(db, rs256);
  });
  afterAll(async () => {
    await server?.close();
    await rsServer?.close();
    await db?.close();
  });

  it("accepts a token within the limits, up to the maximum lifetime and within the clock skew", async () => {
    for (const [what, times] of [
      ["one hour", {}],
      ["exactly 12 hours", { exp: now() + 12 * HOUR }],
      ["issued 30 s ahead (clock skew)", { iat: now() + 30, exp: now() + 30 + HOUR }],
      ["valid from a minute ago", { nbf: now() - 60 }],
    ] as const) {
      const res = await server.graphql(QUERY, { token: await signToken(hs256, OFFICER, times) });
      expect(res.json?.data, what).toEqual({ __typename: "Query" });
    }
  });

  it("refuses forged, misdirected and overlong tokens, each with 401, fast", async () => {
    const valid = await signToken(hs256, OFFICER);
    const [header, payload, signature] = valid.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), role: "admin" }),
    ).toString("base64url");
    const cases: Array<[string, string]> = [
      ["a 10-year lifetime", await signToken(hs256, OFFICER, { exp: now() + 10 * YEAR })],
      ["12 hours and 2 minutes", await signToken(hs256, OFFICER, { exp: now() + 12 * HOUR + 120 })],
      ["iat a year ahead", await signToken(hs256, OFFICER, { iat: now() + YEAR, exp: now() + YEAR + HOUR })],
      ["iat 5 minutes ahead", await signToken(hs256, OFFICER, { iat: now() + 300, exp: now() + 300 + HOUR })],
      ["no exp", await signToken(hs256, OFFICER, { exp: null })],
      ["no iat", await signToken(hs256, OFFICER, { iat: null, exp: now() + HOUR })],
      ["no iat, 10-year exp", await signToken(hs256, OFFICER, { iat: null, exp: now() + 10 * YEAR })],
      ["nbf an hour ahead", await signToken(hs256, OFFICER, { nbf: now() + HOUR, exp: now() + 2 * HOUR })],
      ["expired", await signToken(hs256, OFFICER, { iat: now() - 2 * HOUR, exp: now() - HOUR })],
      [
        "alg none",
        new UnsecuredJWT({ ...OFFICER })
          .setSubject("x")
          .setIssuer(hs256.auth.issuer)
          .setAudience(hs256.auth.audience)
          .setIssuedAt()
          .setExpirationTime("1h")
          .encode(),
      ],
      ["a tampered signature", `${header}.${payload}.${flipped}`],
      ["a tampered payload", `${header}.${forgedPayload}.${signature}`],
      ["another audience", await signToken({ ...hs256, auth: { ...hs256.auth, audience: "other-api" } }, OFFICER)],
      ["another issuer", await signToken({ ...hs256, auth: { ...hs256.auth, issuer: "someone-else" } }, OFFICER)],
    ];
    for (const [what, token] of cases) expectRefused(await server.graphql(QUERY, { token }), what);
    // The server still answers a valid token afterwards.
    expect((await server.graphql(QUERY, { token: valid })).json?.data).toEqual({ __typename: "Query" });
  });

  it("refuses an HS256 token signed with the RS256 configuration's public key, and overlong RS256 tokens", async () => {
    const claims = { ...OFFICER, kind: "user" };
    const rs = (exp: number) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256" })
        .setSubject("officer")
        .setIssuer(rs256.auth.issuer)
        .setAudience(rs256.auth.audience)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(privateKey);
    expect((await rsServer.graphql(QUERY, { token: await rs(now() + HOUR) })).json?.data).toEqual({
      __typename: "Query",
    });
    expectRefused(await rsServer.graphql(QUERY, { token: await rs(now() + 10 * YEAR) }), "RS256, 10 years");
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("officer")
      .setIssuer(rs256.auth.issuer)
      .setAudience(rs256.auth.audience)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(publicPem));
    expectRefused(await rsServer.graphql(QUERY, { token: confused }), "HS256 signed with the public key");
  });
});

const SERVICE = `mutation($input: RecordServiceInput!) { recordService(input: $input) { id } }`;

describe.each(databaseKinds())("client address and request id on %s", (kind) => {
  let db: Database;
  let citizenId: string;
  const servers: RealServer[] = [];
  const config = (extra: Record<string, string> = {}) =>
    loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", AUDIT_HMAC_KEY: KEYS.AUDIT_HMAC_KEY, ...extra });

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 20 });
    const [row] = await db.query<{ id: string }>(
      `select id from "Citizen" where "domicileCode" like '32.01.%' and status = 'ALIVE' limit 1`,
    );
    citizenId = row?.id ?? "";
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await db?.close();
  });

  /** Runs one audited mutation through a server of this configuration; returns its answer and its audit entry. */
  async function audited(env: Record<string, string>, headers: Record<string, string>) {
    const cfg = config(env);
    const server = await startRealServer(db, cfg);
    servers.push(server);
    const token = await issueDevToken(cfg, { ...OFFICERS.frontOfficeBogor, subject: "frontOfficeBogor" });
    const res = await server.graphql(SERVICE, {
      token,
      headers,
      variables: { input: { citizenId, serviceType: "Legalisir KK", channel: "COUNTER", outcome: "COMPLETED" } },
    });
    expect(res.json?.errors).toBeUndefined();
    const [entry] = await db.query<{ clientIp: string | null; requestId: string; clientRequestId: string | null }>(
      `select "clientIp", "requestId", "clientRequestId" from "AuditEntry" order by seq desc limit 1`,
    );
    return { res, entry };
  }

  it("ignores x-forwarded-for from a peer that is not a trusted proxy", async () => {
    const { entry } = await audited({}, { "x-forwarded-for": "8.8.8.8" });
    expect(entry?.clientIp).toBe("127.0.0.1");
    const other = await audited({ TRUSTED_PROXIES: "10.0.0.0/8" }, { "x-forwarded-for": "8.8.8.8" });
    expect(other.entry?.clientIp).toBe("127.0.0.1");
  });

  it("takes the nearest untrusted address of x-forwarded-for when the peer is a trusted proxy", async () => {
    const { entry } = await audited({ TRUSTED_PROXIES: "127.0.0.1" }, { "x-forwarded-for": "203.0.113.9, 8.8.8.8" });
    // The client may have sent 203.0.113.9 itself; 8.8.8.8 is what our proxy saw.
    expect(entry?.clientIp).toBe("8.8.8.8");
    const chain = await audited(
      { TRUSTED_PROXIES: "127.0.0.0/8, 8.8.8.0/24" },
      { "x-forwarded-for": "203.0.113.9, 8.8.8.8" },
    );
    expect(chain.entry?.clientIp).toBe("203.0.113.9");
    const garbage = await audited({ TRUSTED_PROXIES: "127.0.0.1" }, { "x-forwarded-for": "not-an-address" });
    expect(garbage.entry?.clientIp).toBeNull();
  });

  it("keeps the caller's x-request-id beside ours, never instead of it", async () => {
    const { res, entry } = await audited({}, { "x-request-id": "caller-request-0001" });
    const ours = res.headers["x-request-id"];
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry?.requestId).toBe(ours);
    expect(entry?.clientRequestId).toBe("caller-request-0001");
    // Auditors see both.
    const server = servers[servers.length - 1] as RealServer;
    const auditor = await issueDevToken(config(), { role: "auditor" });
    const read = await server.graphql("{ auditEntries(first: 1) { edges { node { requestId clientRequestId } } } }", {
      token: auditor,
    });
    expect(read.json?.data).toEqual({
      auditEntries: { edges: [{ node: { requestId: ours, clientRequestId: "caller-request-0001" } }] },
    });
    const odd = await audited({}, { "x-request-id": `bad id\twith ${"x".repeat(200)}` });
    expect(odd.entry?.requestId).toBe(odd.res.headers["x-request-id"]);
    expect(odd.entry?.clientRequestId).toBeNull();
  });
});
