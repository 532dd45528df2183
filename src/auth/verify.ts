// Bearer token → principal. jose does the cryptography; we pin the algorithms so that `alg: none`
// or an HMAC token signed with a public key as its secret can never pass. A stolen token is only as
// dangerous as it is long-lived: exp and iat are required, the lifetime (exp − iat) is capped at
// JWT_MAX_LIFETIME, and a token issued (iat) or valid (nbf) only in the future is refused, each with
// JWT_CLOCK_SKEW of tolerance for clocks that differ.
import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Config } from "../config.ts";
import { UnauthenticatedError } from "../errors.ts";
import { type Principal, principalFromClaims } from "./principal.ts";

const ASYMMETRIC = ["RS256", "PS256", "ES256", "EdDSA"];

export type TokenVerifier = (token: string) => Promise<Principal>;

export function createTokenVerifier(auth: Config["auth"]): TokenVerifier {
  const keys: Array<{ key: KeyObject | JWTVerifyGetKey; algorithms: string[] }> = [];
  if (auth.secret) keys.push({ key: createSecretKey(Buffer.from(auth.secret)), algorithms: ["HS256"] });
  if (auth.publicKeyPem) keys.push({ key: createPublicKey(auth.publicKeyPem), algorithms: ASYMMETRIC });
  if (auth.jwksUrl) keys.push({ key: createRemoteJWKSet(new URL(auth.jwksUrl)), algorithms: ASYMMETRIC });

  return async (token) => {
    let lastError: unknown;
    for (const { key, algorithms } of keys) {
      try {
        const { payload } = await jwtVerify(token, key as KeyObject, {
          issuer: auth.issuer,
          audience: auth.audience,
          algorithms,
          requiredClaims: ["exp", "iat", "sub"],
          clockTolerance: auth.clockSkewSeconds,
          // Also refuses an iat beyond now + clockTolerance ("issued in the future").
          maxTokenAge: auth.maxLifetimeSeconds,
        });
        const lifetime = (payload.exp as number) - (payload.iat as number);
        if (lifetime > auth.maxLifetimeSeconds) {
          throw new UnauthenticatedError(
            `The token's lifetime (exp − iat) is longer than the ${auth.maxLifetimeSeconds} seconds this gateway accepts.`,
          );
        }
        return principalFromClaims(payload);
      } catch (error) {
        if (error instanceof UnauthenticatedError) throw error;
        lastError = error;
      }
    }
    throw new UnauthenticatedError(reason(lastError));
  };
}

// Tell the caller what to fix, never which key or algorithm we would have accepted.
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The token has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted.`;
  return "The token is invalid.";
}

/** Extracts the token from `Authorization: Bearer <token>`; undefined when absent. */
export function bearerToken(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  return match[1];
}
