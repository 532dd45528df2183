// Prometheus metrics of one gateway (its own registry, so two gateways in one process never mix).
// Labels are bounded by the schema and our own codes, never by what a caller writes: the `operation`
// label is the first root field (citizens, registerCitizen), not the client's operation name, which
// anyone could vary to fill the scraper's memory.
import client from "prom-client";
import type { Database } from "../db/database.ts";

/** Latency buckets in seconds: from a cached lookup (a few ms) to the execution timeout (10 s). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  registry: client.Registry;
  requests: client.Counter<"operation" | "type" | "code">;
  errors: client.Counter<"operation" | "code">;
  latency: client.Histogram<"operation" | "type">;
  deniedFields: client.Counter<"role">;
  reveals: client.Counter<"role" | "field">;
  refusals: client.Counter<"kind" | "limit">;
  auditEntries: client.Counter<"outcome">;
  alerts: client.Counter<"rule" | "severity">;
  webhookFailures: client.Counter;
  /** Prometheus text format. */
  text(): Promise<string>;
}

/**
 * The oldest unsealed audit entry's age in seconds (0 when all are sealed). The partial index on
 * unsealed entries keeps this cheap however long the trail is.
 */
export async function sealerLagSeconds(db: Database): Promise<number> {
  const [row] = await db.query<{ lag: number | null }>(
    `select extract(epoch from (now() - min(at)))::float8 as lag from "AuditEntry" where "sealId" is null`,
  );
  return Math.max(0, Number(row?.lag ?? 0));
}

export function createMetrics(db: Database): GatewayMetrics {
  const registry = new client.Registry();
  // Process memory, CPU, event-loop lag (nodejs_eventloop_lag_*), handles, GC: prom-client's own.
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: "gerbang_requests_total",
    help: "GraphQL requests by first root field, operation type and outcome code (OK when no error).",
    labelNames: ["operation", "type", "code"] as const,
    registers: [registry],
  });
  const errors = new client.Counter({
    name: "gerbang_errors_total",
    help: "Errors in GraphQL responses by first root field and code.",
    labelNames: ["operation", "code"] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: "gerbang_request_duration_seconds",
    help: "Time from request to response, by first root field and operation type.",
    labelNames: ["operation", "type"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const deniedFields = new client.Counter({
    name: "gerbang_denied_fields_total",
    help: "Fields answered null + FORBIDDEN, by role.",
    labelNames: ["role"] as const,
    registers: [registry],
  });
  const reveals = new client.Counter({
    name: "gerbang_clear_reveals_total",
    help: "Clear values shown for a stated purpose (each one an access entry), by role and field.",
    labelNames: ["role", "field"] as const,
    registers: [registry],
  });
  const refusals = new client.Counter({
    name: "gerbang_refusals_total",
    help: "Requests refused by a limit (kind=limit, limit=maxCost, ...) or the rate limit (kind=rate_limit).",
    labelNames: ["kind", "limit"] as const,
    registers: [registry],
  });
  const auditEntries = new client.Counter({
    name: "gerbang_audit_entries_total",
    help: "Audit entries written (committed), by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const alerts = new client.Counter({
    name: "gerbang_security_alerts_total",
    help: "Security alerts this instance raised, by rule and severity.",
    labelNames: ["rule", "severity"] as const,
    registers: [registry],
  });
  const webhookFailures = new client.Counter({
    name: "gerbang_alert_webhook_failures_total",
    help: "Alert webhook deliveries given up after every retry.",
    registers: [registry],
  });
  new client.Gauge({
    name: "gerbang_audit_sealer_lag_seconds",
    help: "Age of the oldest audit entry no seal covers yet (0: all sealed).",
    registers: [registry],
    async collect() {
      try {
        this.set(await sealerLagSeconds(db));
      } catch {
        // database unreachable: /readyz says so; the gauge keeps its last value
      }
    },
  });
  new client.Gauge({
    name: "gerbang_db_pool_connections",
    help: "PostgreSQL pool connections by state (in_use, idle, waiting requests); absent on PGlite.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const stats = db.poolStats?.();
      if (!stats) return;
      this.set({ state: "in_use" }, stats.total - stats.idle);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });
  return {
    registry,
    requests,
    errors,
    latency,
    deniedFields,
    reveals,
    refusals,
    auditEntries,
    alerts,
    webhookFailures,
    text: () => registry.metrics(),
  };
}
