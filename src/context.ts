// What every resolver can see about the request. Built once per request in server/yoga.ts.
import type { Principal } from "./auth/principal.ts";
import type { Db } from "./db/database.ts";
import type { RateLimiter } from "./limits/rate-limit.ts";
import type { Logger } from "./log.ts";
import type { Reveal } from "./masking/apply.ts";
import type { Monitor } from "./monitoring/monitor.ts";
import type { Policy } from "./policy/policy.ts";

export interface Context {
  principal: Principal;
  policy: Policy;
  db: Db;
  /** Our id of this request (returned in x-request-id); the audit's and the logs' request id. */
  requestId: string;
  /** The caller's own x-request-id, when well-formed: kept beside ours, never instead of it. */
  clientRequestId: string | undefined;
  /** `x-purpose` header: why the caller needs clear values (policies/ decide which unlock what). */
  purpose: string | undefined;
  /** `x-case-ref` header: the case file the purpose refers to; required for any clear reveal. */
  caseRef: string | undefined;
  /** The socket's peer, or the client behind TRUSTED_PROXIES (server/client-ip.ts); undefined when unknown. */
  clientIp: string | undefined;
  /** Clear values shown and identifier lookups made in this request; written as access entries before the response leaves. */
  reveals: Reveal[];
  /** The gateway's per-principal budget of lookups by a full identifier (LOOKUP_RATE_LIMIT). */
  lookupLimiter: RateLimiter;
  /** Key of the audit trail's keyed hashes (AUDIT_HMAC_KEY). */
  auditKey: string;
  log: Logger;
  /** Where the request reports what alert rules count and metrics show (monitoring/monitor.ts). */
  monitor: Monitor;
  /** Per-request DataLoaders by name (batched lookups by key; see policy/scope.ts). */
  loaders: Map<string, unknown>;
}
