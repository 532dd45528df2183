// Tokens as an identity provider (or an attacker holding a key) would sign them, with every time claim
// under the test's control. `gerbang token` cannot serve here: it refuses production configurations
// and always issues well-formed tokens.
import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";
import type { Config } from "../../src/config.ts";

export const now = () => Math.floor(Date.now() / 1000);
export const HOUR = 3600;
export const YEAR = 365 * 24 * HOUR;

export interface Times {
  /** Seconds since the epoch; null leaves the claim out. Default: now. */
  iat?: number | null;
  /** Default: iat (or now) + 1 hour; null leaves the claim out. */
  exp?: number | null;
  nbf?: number;
}

/** An HS256 token signed with the configuration's JWT_SECRET, for its issuer and audience. */
export function signToken(config: Config, claims: Record<string, unknown>, times: Times = {}): Promise<string> {
  if (!config.auth.secret) throw new Error("signToken needs a configuration with JWT_SECRET");
  const iat = times.iat === undefined ? now() : times.iat;
  const exp = times.exp === undefined ? (iat ?? now()) + HOUR : times.exp;
  const jwt = new SignJWT({ kind: "user", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(claims.sub ?? `test-${String(claims.role)}`))
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience);
  if (iat !== null) jwt.setIssuedAt(iat);
  if (exp !== null) jwt.setExpirationTime(exp);
  if (times.nbf !== undefined) jwt.setNotBefore(times.nbf);
  return jwt.sign(createSecretKey(Buffer.from(config.auth.secret)));
}
