// Cross-origin calls from browsers. Yoga's default answers every origin, with credentials; its list
// form answers a non-listed origin with `Access-Control-Allow-Origin: null` (which a sandboxed iframe's
// `Origin: null` matches) and allows credentials. So: an origin in CORS_ORIGINS gets exactly itself back,
// any other gets no CORS headers at all, and credentials are never allowed: tokens travel in the
// Authorization header, never in cookies, so no caller needs them and no page can ride on them.
import type { CORSOptions } from "graphql-yoga";

/**
 * Required on requests a browser sends cross-site without a preflight (form posts, text/plain,
 * multipart): a page on another site cannot add it without asking first (Yoga's CSRF prevention).
 * JSON requests (`content-type: application/json`) need nothing.
 */
export const CSRF_HEADER = "x-graphql-csrf";

/** The request headers a browser app may send. */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "x-purpose",
  "x-case-ref",
  "x-request-id",
  CSRF_HEADER,
];

/** `origins`: exact origins, or "*" for any (config.ts allows that outside production only). */
export function corsOptions(origins: readonly string[] | "*"): (request: Request) => CORSOptions {
  return (request) => {
    const origin = request.headers.get("origin");
    if (!origin || origin === "null" || (origins !== "*" && !origins.includes(origin))) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ["POST"],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ["x-request-id"],
      maxAge: 600,
    };
  };
}
