// Development tokens for `gerbang token`: signed with the local key, never available in production.
import { createSecretKey, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Config } from "../config.ts";
import { isRegionPrefix } from "./principal.ts";

export interface DevTokenRequest {
  role: string;
  subject?: string | undefined;
  agency?: string | undefined;
  region?: string | undefined;
  purposes?: string[] | undefined;
  /** Lifetime such as `8h`, `30m`, `3600s`. */
  ttl?: string | undefined;
}

export async function issueDevToken(config: Config, request: DevTokenRequest): Promise<string> {
  if (config.env === "production") {
    throw new Error("gerbang token issues development tokens only; it is disabled when NODE_ENV=production.");
  }
  if (!config.auth.secret) {
    throw new Error("gerbang token needs JWT_SECRET (or no key settings at all, for the built-in development key).");
  }
  if (request.region !== undefined && !isRegionPrefix(request.region)) {
    throw new Error(`--region must be a region code such as 32, 32.01 or 32.01.01 (got "${request.region}").`);
  }
  const ttl = request.ttl ?? "8h";
  if (!/^\d+[smhd]$/.test(ttl)) throw new Error(`--ttl must look like 30m, 8h or 1d (got "${ttl}").`);
  const claims: Record<string, unknown> = { role: request.role, kind: "user" };
  if (request.agency) claims.agency = request.agency;
  if (request.region) claims.region = request.region;
  if (request.purposes?.length) claims.purposes = request.purposes;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(request.subject ?? `dev-${request.role}`)
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(ttl)
    .sign(createSecretKey(Buffer.from(config.auth.secret)));
}
