// Watches each request from its first byte to its response and reports it once, at the end: one log
// line at info, the metrics, and the signals the alert rules count (monitor.ts). It changes nothing
// about the request; what it reads it takes from the finished result, so it sees every refusal
// (401 at the edge, limits before parsing, FORBIDDEN during execution) the same way.
import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { type DocumentNode, getOperationAST, Kind, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { principalIfAny } from "../auth/use-auth.ts";
import type { Context } from "../context.ts";
import type { Logger } from "../log.ts";
import type { ClientIpResolver } from "../server/client-ip.ts";
import type { Monitor } from "./monitor.ts";
import type { Who } from "./windows.ts";

const OPERATION_NAME_MAX = 100;

interface RequestState {
  start: number;
  operationName?: string | undefined;
  type?: string | undefined;
  /** First root field: the metrics' operation label (bounded by the schema). */
  field?: string | undefined;
  ctx?: Context | undefined;
  rows: number;
  /** Mutations (by field name) that answered without an error at their path. */
  changed: string[];
  codes: string[];
  deniedFields: number;
  limit?: string | undefined;
}

interface RootField {
  alias: string;
  name: string;
}

const rootFieldsCache = new WeakMap<DocumentNode, Map<string, RootField[]>>();

/** The root fields of the operation that runs (fragments at the root followed), per document. */
function rootFields(document: DocumentNode, operationName: string | undefined | null): RootField[] {
  let byName = rootFieldsCache.get(document);
  if (!byName) {
    byName = new Map();
    rootFieldsCache.set(document, byName);
  }
  const cacheKey = operationName ?? "";
  let fields = byName.get(cacheKey);
  if (!fields) {
    fields = [];
    const operation = getOperationAST(document, operationName);
    const fragments = new Map(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
    );
    const seen = new Set<string>();
    const walk = (set: SelectionSetNode) => {
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD)
          (fields as RootField[]).push({ alias: s.alias?.value ?? s.name.value, name: s.name.value });
        else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
        else if (!seen.has(s.name.value)) {
          seen.add(s.name.value);
          const fragment = fragments.get(s.name.value);
          if (fragment) walk(fragment.selectionSet);
        }
      }
    };
    if (operation) walk(operation.selectionSet);
    byName.set(cacheKey, fields);
  }
  return fields;
}

/** Rows a root field returned: a connection's edges, a list's items, one object, or none. */
function rowsOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.length;
  if (typeof value === "object") {
    const edges = (value as { edges?: unknown }).edges;
    return Array.isArray(edges) ? edges.length : 1;
  }
  return 1;
}

interface ResultLike {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
}

/** The field of each distinct clear value shown (citizen and field) in the request; lookups are not reveals. */
function revealedFields(ctx: Context): string[] {
  const shown = ctx.reveals.filter((r) => r.kind !== "LOOKUP");
  return [...new Map(shown.map((r) => [`${r.citizenId}|${r.field}`, r.field])).values()];
}

export interface MonitoringOptions {
  monitor: Monitor;
  log: Logger;
  clientIp: ClientIpResolver;
  /** Paths that are not GraphQL requests and are not reported (health, readiness, metrics). */
  quietPaths: readonly string[];
}

export function useMonitoring({ monitor, log, clientIp, quietPaths }: MonitoringOptions): Plugin<Context> {
  const states = new WeakMap<Request, RequestState>();
  const metrics = monitor.metrics;
  return {
    onRequest({ request, url }) {
      if (quietPaths.includes(url.pathname)) return;
      states.set(request, {
        start: performance.now(),
        rows: 0,
        changed: [],
        codes: [],
        deniedFields: 0,
      });
    },
    onParams({ params, request }) {
      const state = states.get(request);
      if (state && typeof params.operationName === "string")
        state.operationName = params.operationName.slice(0, OPERATION_NAME_MAX);
    },
    onExecute({ args }) {
      const ctx = args.contextValue;
      const state = states.get((ctx as unknown as { request: Request }).request);
      if (!state) return;
      state.ctx = ctx;
      const fields = rootFields(args.document, args.operationName);
      const operation = getOperationAST(args.document, args.operationName);
      state.type = operation?.operation;
      state.operationName ??= operation?.name?.value.slice(0, OPERATION_NAME_MAX);
      state.field = fields[0]?.name;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in (result as object)) return;
          const { data, errors } = result as ResultLike;
          const failed = new Set((errors ?? []).map((e) => e.path?.[0]).filter((p) => p !== undefined));
          for (const f of fields) {
            const value = data?.[f.alias];
            state.rows += rowsOf(value);
            if (state.type === "mutation" && value != null && !failed.has(f.alias)) state.changed.push(f.name);
          }
        },
      };
    },
    onResultProcess({ request, result }) {
      const state = states.get(request);
      if (!state || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      for (const error of (result as ResultLike).errors ?? []) {
        const code = String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR");
        state.codes.push(code);
        if (code === "FORBIDDEN" && error.path) state.deniedFields++;
        if (code === "QUERY_TOO_LARGE") state.limit = String(error.extensions?.limit ?? "");
      }
    },
    onResponse({ request, response, serverContext }) {
      const state = states.get(request);
      if (!state) return;
      const seconds = (performance.now() - state.start) / 1000;
      const ctx = state.ctx;
      const code =
        response.status === 401
          ? "UNAUTHENTICATED"
          : (state.codes[0] ?? (response.ok ? "OK" : `HTTP_${response.status}`));
      const principal = ctx?.principal ?? principalIfAny(request);
      const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
      const who: Who = {
        actor: principal?.subject,
        role: principal?.role,
        agencyCode: principal?.agencyCode,
        clientId: principal?.kind === "client" ? principal.subject : undefined,
        clientIp: ctx ? ctx.clientIp : clientIp(req?.socket.remoteAddress, request.headers.get("x-forwarded-for")),
      };
      const requestId = ctx?.requestId ?? response.headers.get("x-request-id") ?? undefined;
      // Clear values shown: one per citizen and field, as the access log writes them.
      const reveals = ctx ? revealedFields(ctx).length : 0;
      // Lookups by a full identifier (the access log's LOOKUP entries) that found no one in the caller's rows.
      const lookupMisses = ctx ? ctx.reveals.filter((r) => r.kind === "LOOKUP" && r.outcome !== "FOUND").length : 0;
      const operation = state.field ?? "(none)";
      const type = state.type ?? "(none)";

      log.info("request", {
        requestId,
        ...(ctx?.clientRequestId ? { clientRequestId: ctx.clientRequestId } : {}),
        principal: principal
          ? { subject: who.actor, role: who.role, agency: who.agencyCode ?? null, client: who.clientId ?? null }
          : null,
        clientIp: who.clientIp ?? null,
        operation: { name: state.operationName ?? null, type, field: operation },
        status: response.status,
        code,
        ...(state.codes.length > 1 ? { codes: [...new Set(state.codes)] } : {}),
        rows: state.rows,
        ...(reveals ? { reveals } : {}),
        durationMs: Math.round(seconds * 10_000) / 10,
      });

      if (metrics) {
        metrics.requests.inc({ operation, type, code });
        metrics.latency.observe({ operation, type }, seconds);
        for (const c of state.codes) metrics.errors.inc({ operation, code: c });
        if (state.deniedFields) metrics.deniedFields.inc({ role: who.role ?? "(none)" }, state.deniedFields);
        if (state.limit !== undefined) metrics.refusals.inc({ kind: "limit", limit: state.limit });
        if (state.codes.includes("RATE_LIMITED")) metrics.refusals.inc({ kind: "rate_limit", limit: "" });
        if (ctx) for (const field of revealedFields(ctx)) metrics.reveals.inc({ role: who.role ?? "", field });
      }

      if (code === "UNAUTHENTICATED") monitor.record("auth_failure", who, 1, requestId);
      if (state.codes.includes("FORBIDDEN")) monitor.record("denial", who, 1, requestId);
      if (state.limit !== undefined || state.codes.includes("RATE_LIMITED"))
        monitor.record("limit_refusal", who, 1, requestId);
      if (reveals) monitor.record("reveal", who, reveals, requestId);
      if (lookupMisses) monitor.record("lookup_miss", who, lookupMisses, requestId);
      for (const mutation of state.changed) monitor.record("mutation", who, 1, requestId, mutation);
    },
  };
}
