// Token verification as an attacker would try it: no signature, another key, another issuer,
// an expired token, a public key used as an HMAC secret, malformed claims.
import { createSecretKey, generateKeyPairSync } from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { bearerToken, createTokenVerifier } from "../../src/auth/verify.ts";
import { loadConfig } from "../../src/config.ts";
import { UnauthenticatedError } from "../../src/errors.ts";

const config = loadConfig({ NODE_ENV: "test" });
const verify = createTokenVerifier(config.auth);
const devKey = createSecretKey(Buffer.from(config.auth.secret ?? ""));

// iat is required since tokens' lifetimes are capped (exp − iat ≤ JWT_MAX_LIFETIME).
function base(claims: Record<string, unknown> = { role: "front_office" }) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("officer-1")
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt()
    .setExpirationTime("5m");
}

const now = () => Math.floor(Date.now() / 1000);

async function rejection(token: string): Promise<string> {
  try {
    await verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthenticatedError);
    return (error as Error).message;
  }
  throw new Error("token was accepted");
}

describe("token verification", () => {
  it("accepts a development token and builds the principal from its claims", async () => {
    const token = await issueDevToken(config, {
      role: "registry_officer",
      agency: "DUKCAPIL-3201",
      region: "32.01",
      purposes: ["court-order"],
    });
    const principal = await verify(token);
    expect(principal).toMatchObject({
      subject: "dev-registry_officer",
      kind: "user",
      role: "registry_officer",
      agencyCode: "DUKCAPIL-3201",
      regionScope: "32.01",
      purposes: ["court-order"],
    });
    expect(principal.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses alg: none", async () => {
    const unsigned = new UnsecuredJWT({ role: "admin" })
      .setSubject("x")
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setExpirationTime("5m")
      .encode();
    expect(await rejection(unsigned)).toBe("The token is invalid.");
  });

  it("refuses a token signed with another key", async () => {
    const other = createSecretKey(Buffer.from("another-key-of-sufficient-length-0123456789"));
    expect(await rejection(await base().sign(other))).toBe("The token is invalid.");
  });

  it("refuses a tampered payload", async () => {
    const token = await base().sign(devKey);
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({
        role: "admin",
        sub: "officer-1",
        iss: config.auth.issuer,
        aud: config.auth.audience,
        exp: 9999999999,
      }),
    ).toString("base64url");
    expect(await rejection(`${header}.${forged}.${signature}`)).toBe("The token is invalid.");
  });

  it("refuses an RS256 token when only an HMAC key is configured (algorithm allow-list)", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("x")
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setExpirationTime("5m")
      .sign(privateKey);
    expect(await rejection(token)).toBe("The token is invalid.");
  });

  it("refuses an expired token and says so", async () => {
    // Beyond the 60 s of clock skew the gateway tolerates.
    const token = await base()
      .setIssuedAt(now() - 600)
      .setExpirationTime(now() - 61)
      .sign(devKey);
    expect(await rejection(token)).toBe("The token has expired.");
  });

  it("refuses a token without expiry", async () => {
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setIssuedAt()
      .sign(devKey);
    expect(await rejection(token)).toMatch(/exp/);
  });

  it("refuses a token without iat: its lifetime cannot be judged", async () => {
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setExpirationTime("5m")
      .sign(devKey);
    expect(await rejection(token)).toBe('The token\'s "iat" claim is not accepted.');
  });

  it("refuses a lifetime above JWT_MAX_LIFETIME (default 12 h), and accepts exactly the maximum", async () => {
    const t = now();
    expect(
      await rejection(
        await base()
          .setIssuedAt(t)
          .setExpirationTime(t + 10 * 365 * 86400)
          .sign(devKey),
      ),
    ).toMatch(/lifetime .* longer than the 43200 seconds/);
    expect(
      await rejection(
        await base()
          .setIssuedAt(t)
          .setExpirationTime(t + 43201)
          .sign(devKey),
      ),
    ).toMatch(/lifetime/);
    await expect(
      verify(
        await base()
          .setIssuedAt(t)
          .setExpirationTime(t + 43200)
          .sign(devKey),
      ),
    ).resolves.toBeDefined();
    // A token issued long ago still fails on its age, even if exp was pushed out.
    expect(
      await rejection(
        await base()
          .setIssuedAt(t - 50000)
          .setExpirationTime(t + 60)
          .sign(devKey),
      ),
    ).toMatch(/expired|lifetime/);
    const short = createTokenVerifier(loadConfig({ NODE_ENV: "test", JWT_MAX_LIFETIME: "10m" }).auth);
    await expect(
      short(
        await base()
          .setIssuedAt(t)
          .setExpirationTime(t + 900)
          .sign(devKey),
      ),
    ).rejects.toThrow(/lifetime/);
  });

  it("refuses a token issued (iat) or valid (nbf) only in the future, beyond the clock skew", async () => {
    const t = now();
    expect(
      await rejection(
        await base()
          .setIssuedAt(t + 365 * 86400)
          .setExpirationTime(t + 365 * 86400 + 60)
          .sign(devKey),
      ),
    ).toBe('The token\'s "iat" claim is not accepted.');
    expect(
      await rejection(
        await base()
          .setIssuedAt(t + 120)
          .setExpirationTime(t + 600)
          .sign(devKey),
      ),
    ).toBe('The token\'s "iat" claim is not accepted.');
    expect(
      await rejection(
        await base()
          .setNotBefore(t + 3600)
          .setExpirationTime(t + 7200)
          .sign(devKey),
      ),
    ).toBe('The token\'s "nbf" claim is not accepted.');
    // Within the skew (60 s by default): clocks differ.
    await expect(
      verify(
        await base()
          .setIssuedAt(t + 30)
          .setNotBefore(t + 30)
          .sign(devKey),
      ),
    ).resolves.toBeDefined();
  });

  it("refuses another issuer or audience", async () => {
    expect(await rejection(await base().setIssuer("someone-else").sign(devKey))).toBe(
      'The token\'s "iss" claim is not accepted.',
    );
    expect(await rejection(await base().setAudience("other-api").sign(devKey))).toBe(
      'The token\'s "aud" claim is not accepted.',
    );
  });

  it("refuses a token without a role, or with a malformed region scope", async () => {
    expect(await rejection(await base({}).sign(devKey))).toMatch(/role/);
    expect(await rejection(await base({ role: "front_office", region: "32.0" }).sign(devKey))).toMatch(/region/);
    expect(await rejection(await base({ role: "front_office", region: "32%" }).sign(devKey))).toMatch(/region/);
  });

  it("parses only well-formed Authorization headers", () => {
    expect(bearerToken(null)).toBeUndefined();
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(() => bearerToken("Basic dXNlcjpwYXNz")).toThrow(UnauthenticatedError);
    expect(() => bearerToken("Bearer a b")).toThrow(UnauthenticatedError);
  });
});

describe("development tokens", () => {
  it("are refused in production", async () => {
    const production = loadConfig({
      NODE_ENV: "production",
      JWT_SECRET: "x".repeat(40),
      AUDIT_HMAC_KEY: "y".repeat(40),
    });
    await expect(issueDevToken(production, { role: "admin" })).rejects.toThrow(/production/);
  });

  it("refuse a malformed region or lifetime", async () => {
    await expect(issueDevToken(config, { role: "admin", region: "3201" })).rejects.toThrow(/--region/);
    await expect(issueDevToken(config, { role: "admin", ttl: "forever" })).rejects.toThrow(/--ttl/);
  });

  it("live at most JWT_MAX_LIFETIME, so the gateway never refuses one it issued", async () => {
    await expect(issueDevToken(config, { role: "admin", ttl: "1d" })).rejects.toThrow(
      /--ttl 1d is longer than the 43200 seconds/,
    );
    await expect(verify(await issueDevToken(config, { role: "admin", ttl: "12h" }))).resolves.toBeDefined();
    const short = loadConfig({ NODE_ENV: "test", JWT_MAX_LIFETIME: "1h" });
    const token = await issueDevToken(short, { role: "admin" }); // default 8h, capped at the maximum
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(3600);
    await expect(createTokenVerifier(short.auth)(token)).resolves.toBeDefined();
  });
});
