// The one place the gateway reports what it saw: `record()` for what a request produced (use-monitoring.ts
// calls it), `securityEvent()` for what the audit trail's own checks find (the sealer, the anchors).
// Counting is a map increment; the map is flushed to the shared window store in batches (windows.ts),
// and a window that reaches its rule's threshold becomes a SecurityAlert row (once per rule, key and
// window, whichever instance gets there first), a warn log line, a webhook POST and, when the rule
// says so, an automatic response.
import { performance } from "node:perf_hooks";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { type GatewayMetrics, sealerLagSeconds } from "./metrics.ts";
import type { AlertRule, Signal } from "./rules.ts";
import type { WebhookSender } from "./webhook.ts";
import type { Who, WindowCount, WindowStore } from "./windows.ts";

/** What other code calls: a request's monitor (Context.monitor) and the trail's checks. */
export interface Monitor {
  /** Counts `n` of `signal` for `who` (`detail`: the mutation name of a `mutation` signal). */
  record(signal: Signal, who: Who, n: number, requestId: string | undefined, detail?: string): void;
  /**
   * An event the trail's own checks report, e.g. `audit.entry_hash_invalid` (the sealer found an entry
   * whose hash does not match) or `audit.anchor_mismatch` (an external anchor disagrees). Logged at
   * warn at once and counted for the `security_event` rules that name it.
   */
  securityEvent(name: string, details?: Record<string, unknown>, options?: { logged?: boolean }): void;
  /** An audit entry was committed (metrics). */
  auditEntryWritten(outcome: string): void;
  /** True while an open alert with `suspend_reveals` names this principal: it gets no clear value. */
  revealsSuspended(subject: string): boolean;
  metrics: GatewayMetrics | undefined;
}

/** A monitor that counts nothing (MONITORING=off, tools). */
export const NO_MONITOR: Monitor = {
  record() {},
  securityEvent() {},
  auditEntryWritten() {},
  revealsSuspended: () => false,
  metrics: undefined,
};

/** What an alert says, in the log line, the webhook body and (as columns) the SecurityAlert row. */
export interface AlertPayload {
  id: string;
  rule: string;
  description: string;
  severity: string;
  key: string;
  who: Who;
  count: number;
  threshold: number;
  windowStart: string;
  windowEnd: string;
  firstRequestId: string | null;
  lastRequestId: string | null;
  response: string | null;
  details: Record<string, unknown>;
}

export interface MonitorOptions {
  db: Database;
  rules: AlertRule[];
  store: WindowStore;
  log: Logger;
  metrics: GatewayMetrics | undefined;
  webhooks: WebhookSender | undefined;
  /** How often counts are flushed (ms). Tests flush by hand. */
  flushMs?: number;
  /** How often the sealer's lag is checked against sealer_lag rules (ms). */
  lagCheckMs?: number;
  now?: () => Date;
}

/** Past this many pending windows a flush starts at once instead of waiting for the timer. */
const FLUSH_AT = 5000;

export class GatewayMonitor implements Monitor {
  readonly metrics: GatewayMetrics | undefined;
  private pending = new Map<string, WindowCount>();
  private bySignal = new Map<Signal, AlertRule[]>();
  private byEvent = new Map<string, AlertRule[]>();
  private raised = new Set<string>();
  private suspended = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<AlertPayload[]> | undefined;
  private lastLagCheck = 0;
  private readonly now: () => Date;
  private readonly hasSuspensions: boolean;

  constructor(private readonly options: MonitorOptions) {
    this.metrics = options.metrics;
    this.now = options.now ?? (() => new Date());
    for (const rule of options.rules) {
      const signal: Signal = rule.counts === "write_outside_hours" ? "mutation" : rule.counts;
      this.bySignal.set(signal, [...(this.bySignal.get(signal) ?? []), rule]);
      for (const event of rule.events) this.byEvent.set(event, [...(this.byEvent.get(event) ?? []), rule]);
    }
    this.hasSuspensions = options.rules.some((r) => r.response === "suspend_reveals");
  }

  /** Starts the flush timer; returns a function that stops it and flushes what is left. */
  start(): () => Promise<void> {
    const ms = this.options.flushMs ?? 1000;
    this.timer = setInterval(() => {
      void this.flush().catch((error: unknown) =>
        this.options.log.error("alert counting failed; will retry", { error: (error as Error).message }),
      );
    }, ms);
    this.timer.unref();
    void this.refreshSuspensions();
    return async () => {
      clearInterval(this.timer);
      await this.flush().catch(() => {});
      await this.options.store.close();
    };
  }

  record(signal: Signal, who: Who, n: number, requestId: string | undefined, detail?: string): void {
    const rules = this.bySignal.get(signal);
    if (!rules || n <= 0) return;
    const at = this.now();
    for (const rule of rules) {
      if (rule.officeHours) {
        if (!who.role || !rule.officeHours.roles.has(who.role) || !rule.officeHours.outside(at)) continue;
        this.add(rule, who.actor ?? "?", n, requestId, who, at, detail ? { mutation: detail } : undefined);
        continue;
      }
      this.add(rule, keyOf(signal, who, detail), n, requestId, who, at, detail ? { mutation: detail } : undefined);
    }
  }

  securityEvent(name: string, details: Record<string, unknown> = {}, options: { logged?: boolean } = {}): void {
    if (!options.logged) this.options.log.warn("security event", { event: name, ...details });
    for (const rule of this.byEvent.get(name) ?? []) {
      this.add(rule, name, 1, undefined, {}, this.now(), { event: name, ...details });
    }
  }

  auditEntryWritten(outcome: string): void {
    this.metrics?.auditEntries.inc({ outcome });
  }

  revealsSuspended(subject: string): boolean {
    return this.suspended.has(subject);
  }

  /** Resolves when every alert raised so far has been delivered to the webhooks or given up. */
  webhooksIdle(): Promise<void> {
    return this.options.webhooks?.idle() ?? Promise.resolve();
  }

  private details = new Map<string, Record<string, unknown>>();

  private add(
    rule: AlertRule,
    key: string,
    n: number,
    requestId: string | undefined,
    who: Who,
    at: Date,
    details?: Record<string, unknown>,
  ): void {
    const span = rule.windowSeconds * 1000;
    const start = Math.floor(at.getTime() / span) * span;
    const id = `${rule.name}\u0000${key}\u0000${start}`;
    if (this.raised.has(id)) return; // already an alert for this window: nothing more to learn
    const w = this.pending.get(id);
    if (w) {
      w.count += n;
      if (requestId) w.lastRequestId = requestId;
      w.lastAt = at;
    } else {
      this.pending.set(id, {
        rule: rule.name,
        key,
        windowStart: new Date(start),
        windowEnd: new Date(start + span),
        count: n,
        firstRequestId: requestId ?? null,
        lastRequestId: requestId ?? null,
        firstAt: at,
        lastAt: at,
        who,
      });
      if (details) this.details.set(id, details);
      if (this.pending.size >= FLUSH_AT) void this.flush().catch(() => {});
    }
  }

  /** Hands the pending counts to the store and raises the alerts whose window reached the threshold. */
  flush(): Promise<AlertPayload[]> {
    const previous = this.flushing ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.flushOnce());
    this.flushing = next;
    return next.finally(() => {
      if (this.flushing === next) this.flushing = undefined;
    });
  }

  private async flushOnce(): Promise<AlertPayload[]> {
    await this.checkSealerLag();
    const batch = [...this.pending.values()];
    const details = this.details;
    this.pending = new Map();
    this.details = new Map();
    const totals = await this.options.store.add(batch, this.now());
    const rules = new Map(this.options.rules.map((r) => [r.name, r]));
    const alerts: AlertPayload[] = [];
    for (const total of totals) {
      const rule = rules.get(total.rule);
      const id = `${total.rule}\u0000${total.key}\u0000${total.windowStart.getTime()}`;
      if (!rule || total.count < rule.threshold || this.raised.has(id)) continue;
      this.raised.add(id);
      const alert = await this.raise(rule, total, details.get(id) ?? {});
      if (alert) alerts.push(alert);
    }
    this.forgetEndedWindows();
    if (this.hasSuspensions) await this.refreshSuspensions();
    return alerts;
  }

  private forgetEndedWindows(): void {
    if (this.raised.size < 10_000) return;
    const now = this.now().getTime();
    const spans = new Map(this.options.rules.map((r) => [r.name, r.windowSeconds * 1000]));
    for (const id of this.raised) {
      const [rule = "", , start = "0"] = id.split("\u0000");
      if (Number(start) + (spans.get(rule) ?? 0) < now) this.raised.delete(id);
    }
  }

  private async checkSealerLag(): Promise<void> {
    const rules = this.bySignal.get("sealer_lag");
    const every = this.options.lagCheckMs ?? 10_000;
    // The check's own pace is real time, whatever clock the windows run on.
    if (!rules || (this.lastLagCheck && performance.now() - this.lastLagCheck < every)) return;
    this.lastLagCheck = performance.now();
    const lag = await sealerLagSeconds(this.options.db);
    for (const rule of rules) {
      if (lag >= rule.threshold) {
        // Counted as the threshold itself: the window's total reaches it at once (lag is a level, not a count).
        this.add(rule, "sealer", rule.threshold, undefined, {}, this.now(), { lagSeconds: Math.round(lag) });
      }
    }
  }

  /** Inserts the alert unless another instance already did; only the inserting instance logs and posts it. */
  private async raise(
    rule: AlertRule,
    w: WindowCount,
    details: Record<string, unknown>,
  ): Promise<AlertPayload | undefined> {
    const who = w.who;
    const rows = await this.options.db.prisma.$queryRaw<{ id: string }[]>`
      insert into "SecurityAlert" (id, rule, severity, key, actor, role, "agencyCode", "clientId", "clientIp",
        "windowStart", "windowEnd", count, threshold, "firstRequestId", "lastRequestId", response, details)
      values (${uuid7()}, ${rule.name}, ${rule.severity}, ${w.key}, ${who.actor ?? null}, ${who.role ?? null},
        ${who.agencyCode ?? null}, ${who.clientId ?? null}, ${who.clientIp ?? null}, ${w.windowStart}, ${w.windowEnd},
        ${w.count}, ${rule.threshold}, ${w.firstRequestId}, ${w.lastRequestId}, ${rule.response ?? null},
        ${JSON.stringify(details)}::jsonb)
      on conflict (rule, key, "windowStart") do nothing
      returning id`;
    const id = rows[0]?.id;
    if (!id) return undefined;
    const alert: AlertPayload = {
      id,
      rule: rule.name,
      description: rule.description,
      severity: rule.severity,
      key: w.key,
      who,
      count: w.count,
      threshold: rule.threshold,
      windowStart: w.windowStart.toISOString(),
      windowEnd: w.windowEnd.toISOString(),
      firstRequestId: w.firstRequestId,
      lastRequestId: w.lastRequestId,
      response: rule.response ?? null,
      details,
    };
    if (rule.response === "suspend_reveals" && who.actor) this.suspended.add(who.actor);
    this.options.log.warn("security alert", { alert });
    this.metrics?.alerts.inc({ rule: rule.name, severity: rule.severity });
    this.options.webhooks?.send({ type: "gerbang.security_alert", alert });
    return alert;
  }

  /** Principals under an open suspend_reveals alert, from the database: shared by every instance. */
  private async refreshSuspensions(): Promise<void> {
    if (!this.hasSuspensions) return;
    const rows = await this.options.db.prisma.$queryRaw<{ actor: string }[]>`
      select distinct actor from "SecurityAlert"
      where response = 'suspend_reveals' and status <> 'CLOSED' and actor is not null`;
    this.suspended = new Set(rows.map((r) => r.actor));
  }
}

/**
 * A logger for code that reports security events as log lines with an `event` field (the sealer's
 * `audit.entry_hash_invalid`, the anchors' `audit.anchor_failed`): each such line is written as before
 * and also counted for the `security_event` rules, so that code needs no monitor of its own.
 */
export function withSecurityEvents(log: Logger, monitor: Monitor): Logger {
  const counted =
    (write: Logger["info"]) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      write(msg, fields);
      const event = fields?.event;
      if (typeof event === "string") monitor.securityEvent(event, fields, { logged: true });
    };
  return {
    debug: log.debug,
    info: counted(log.info),
    warn: counted(log.warn),
    error: counted(log.error),
    ...(log.flush ? { flush: log.flush } : {}),
  };
}

/** Per whom a signal is counted. */
function keyOf(signal: Signal, who: Who, detail: string | undefined): string {
  switch (signal) {
    case "auth_failure":
      return who.clientIp ?? "unknown address";
    case "limit_refusal":
      return who.actor ?? who.clientIp ?? "unknown address";
    case "mutation":
      return `${who.actor ?? "?"}|${detail ?? "?"}`;
    default:
      return who.actor ?? "?";
  }
}

/** A time-ordered UUID (v7), like the ids Prisma gives the other rows of the table. */
function uuid7(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
