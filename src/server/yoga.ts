// The whole request pipeline on one screen: request id → edge (path, token, method, CSRF, what the role
// may learn of the schema) → limits → schema → resolvers.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { createYoga, type GraphiQLOptions, type Plugin, useReadinessCheck } from "graphql-yoga";
import { useRefusedMutations } from "../audit/use-refused-mutations.ts";
import { principalOf, useAuth } from "../auth/use-auth.ts";
import { useSchemaVisibility } from "../auth/use-schema-visibility.ts";
import { createTokenVerifier } from "../auth/verify.ts";
import { type Config, ConfigError } from "../config.ts";
import type { Context } from "../context.ts";
import type { Database } from "../db/database.ts";
import { boundedCache } from "../limits/document-cache.ts";
import { LIMITS, type Limits } from "../limits/limits.ts";
import { createRateLimiter } from "../limits/rate-limit.ts";
import { useLimits } from "../limits/use-limits.ts";
import { createLogger, type Logger, withFields } from "../log.ts";
import { useAccessLog } from "../masking/use-access-log.ts";
import { usePurposeHint } from "../masking/use-purpose-hint.ts";
import { METRICS_PATH, useMetricsEndpoint } from "../monitoring/metrics-endpoint.ts";
import { type Monitor, NO_MONITOR } from "../monitoring/monitor.ts";
import { createMonitor } from "../monitoring/setup.ts";
import { useMonitoring } from "../monitoring/use-monitoring.ts";
import { loadPolicy } from "../policy/load.ts";
import type { Policy } from "../policy/policy.ts";
import { schema } from "../schema/index.ts";
import { clientIpResolver } from "./client-ip.ts";
import { CSRF_HEADER, corsOptions } from "./cors.ts";
import { createMaskError } from "./errors.ts";
import { useEndpoint } from "./use-endpoint.ts";
import { policyLayer } from "./use-policy.ts";

export const GRAPHQL_ENDPOINT = "/graphql";
const READINESS_ENDPOINT = "/readyz";

export interface GatewayOptions {
  config: Config;
  db: Database;
  /** Loaded from config.policyDir when not given. */
  policy?: Policy;
  /**
   * false runs the schema without the shield, masking and to-one scope steps (row scope in queries
   * stays). Only the benchmark uses it, to measure what the policy layer costs; never in serve.
   */
  enforce?: boolean;
  /** Overrides of LIMITS (src/limits/limits.ts); false drops the limits plugin (the benchmark's baseline only). */
  limits?: Partial<Limits> | false;
  log?: Logger;
  /**
   * Metrics, alert counting and the per-request log line. `serve` passes one that runs (flushes its
   * alert windows on a timer); by default a gateway gets metrics and the log line without alert rules,
   * or nothing with MONITORING=off.
   */
  monitor?: Monitor;
}

/** What GraphiQL's header editor starts with: the command in it works as pasted (README, "A first query"). */
const GRAPHIQL_HEADERS = `{"Authorization": "Bearer <paste the output of: npx gerbang token --role front_office --region 32.01>"}`;

let graphiqlPage: Promise<string> | undefined;

/**
 * GraphiQL from the installed @graphql-yoga/render-graphiql (scripts, styles and editor workers inlined)
 * instead of Yoga's default page, which loads them from a CDN and never starts in an air-gapped data
 * centre. The ~9 MB module is imported on the first page request, not at start-up, and the page is
 * rendered once: its options are the same for every request.
 */
function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  graphiqlPage ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => renderGraphiQL(options));
  graphiqlPage.catch(() => {
    graphiqlPage = undefined; // the next request tries again (and fails visibly) instead of a cached failure
  });
  return graphiqlPage;
}

const requestIds = new WeakMap<Request, string>();
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The caller's own x-request-id when it is well-formed: kept beside ours (logs, audit), never instead of it. */
function clientRequestId(request: Request): string | undefined {
  const given = request.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : undefined;
}

/**
 * Every request gets our own id, returned in x-request-id and written in logs and audit entries. A
 * caller's id cannot replace it: anyone could reuse another request's id to blur the trail.
 */
function useRequestId(): Plugin {
  return {
    onRequest({ request }) {
      requestIds.set(request, randomUUID());
    },
    onResponse({ request, response }) {
      const id = requestIds.get(request);
      if (id) response.headers.set("x-request-id", id);
    },
  };
}

export function createGateway({
  config,
  db,
  policy = loadPolicy(config.policyDir, schema),
  enforce = true,
  limits = {},
  log = createLogger(config.logLevel),
  monitor = config.monitoring.enabled ? createMonitor({ config, db, log, rules: [] }) : NO_MONITOR,
}: GatewayOptions) {
  const graphiql = config.env !== "production";
  const layer = enforce ? policyLayer(schema, policy, config.cursorKey) : undefined;
  const cacheChars = (limits === false ? undefined : limits.parseCacheChars) ?? LIMITS.parseCacheChars;
  const clientIp = clientIpResolver(config.edge.trustedProxies);
  // In this instance's memory: see src/limits/rate-limit.ts for what that means behind a load balancer.
  const lookupLimiter = createRateLimiter(config.lookupRateLimit);
  const introspectionRoles = config.edge.introspectionRoles;
  const metrics = monitor.metrics;
  const metricsOnMainPort = metrics !== undefined && config.monitoring.metrics === "main";
  for (const role of introspectionRoles === "*" ? [] : introspectionRoles) {
    if (!policy.role(role)) throw new ConfigError(`INTROSPECTION_ROLES: no role "${role}" in ${config.policyDir}`);
  }
  return createYoga<ServerContext, Context>({
    schema: layer ? layer.schema : schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: "/healthz",
    landingPage: false,
    // Yoga serves GraphiQL on any URL ending with the endpoint; only the endpoint itself here.
    graphiql: graphiql
      ? (request) =>
          new URL(request.url).pathname === GRAPHQL_ENDPOINT && { title: "Gerbang", headers: GRAPHIQL_HEADERS }
      : false,
    renderGraphiQL: renderOfflineGraphiQL,
    cors: corsOptions(config.edge.corsOrigins),
    // No file uploads: multipart is one more parser an anonymous body could reach.
    multipart: false,
    maskedErrors: { maskError: createMaskError(log) },
    // The limits plugin caps bodies itself (QUERY_TOO_LARGE, maxBodyBytes); Yoga's own cap stays as a fallback without it.
    ...(limits === false ? {} : { maxRequestBodySize: false as const }),
    // Parsed documents are kept by the size of their text, not by count (see limits/document-cache.ts).
    parserAndValidationCache: {
      documentCache: boundedCache(cacheChars),
      errorCache: boundedCache(cacheChars),
    },
    logging: false,
    plugins: [
      useRequestId(),
      // First to see the request and last to see its response: one log line, the metrics, the alert signals.
      ...(metrics
        ? [useMonitoring({ monitor, log, clientIp, quietPaths: ["/healthz", READINESS_ENDPOINT, METRICS_PATH] })]
        : []),
      // The edge, in this order: exact path (404), token (401), POST only (405), no simple cross-site form posts (403).
      useEndpoint({
        graphql: GRAPHQL_ENDPOINT,
        others: metricsOnMainPort ? [READINESS_ENDPOINT, METRICS_PATH] : [READINESS_ENDPOINT],
      }),
      ...(metricsOnMainPort ? [useMetricsEndpoint(metrics, config.monitoring.metricsToken)] : []),
      useAuth({ verify: createTokenVerifier(config.auth), publicPaths: [READINESS_ENDPOINT] }),
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      ...useSchemaVisibility({ roles: introspectionRoles }),
      useRefusedMutations(),
      // The policy layer tells the limits whether a document names fields the caller may not read.
      ...(limits
        ? [
            useLimits(
              limits,
              layer
                ? { fullyGranted: (a) => layer.granted(a.document, (a.contextValue as Context).principal.role) }
                : {},
            ),
          ]
        : []),
      ...(layer ? layer.plugins : []),
      useAccessLog(),
      // After the access log: it may replace the result, and the hint belongs on the final one.
      ...(layer ? [usePurposeHint()] : []),
      useReadinessCheck({
        endpoint: READINESS_ENDPOINT,
        check: async () => {
          try {
            await db.query("select 1");
            return true;
          } catch {
            return false;
          }
        },
      }),
    ],
    context: ({ request, req }) => {
      const requestId = requestIds.get(request) ?? randomUUID();
      const callerId = clientRequestId(request);
      return {
        principal: principalOf(request),
        policy,
        db: db.prisma,
        requestId,
        clientRequestId: callerId,
        purpose: request.headers.get("x-purpose") ?? undefined,
        caseRef: request.headers.get("x-case-ref") ?? undefined,
        // The socket's peer, or what trusted proxies say is behind them; unknown without a socket (yoga.fetch).
        clientIp: clientIp(req?.socket.remoteAddress, request.headers.get("x-forwarded-for")),
        reveals: [],
        lookupLimiter,
        auditKey: config.auditKey,
        log: withFields(log, { requestId, ...(callerId ? { clientRequestId: callerId } : {}) }),
        monitor,
        loaders: new Map(),
      };
    },
  });
}

/** What node:http hands Yoga beside the request (absent under yoga.fetch). */
interface ServerContext {
  req?: IncomingMessage;
}

export type Gateway = ReturnType<typeof createGateway>;
