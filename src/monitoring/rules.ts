// The alert rules (policies/alerts.yaml): what is counted, per whom, over which window, from which
// count on it is an alert, how severe, and what the gateway does about it. Loaded and checked at
// start-up like the role files: an unknown signal, role or key stops the server with every problem named.
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PolicyError } from "../policy/load.ts";
import type { Policy } from "../policy/policy.ts";

/**
 * What the gateway counts. Each request adds to the signals it produced; the keys say per whom.
 * `security_event` signals come from the trail's own checks (sealer, anchors) through `securityEvent()`.
 */
export const SIGNALS = {
  reveal: "a clear value shown (one per citizen and field), per principal",
  mutation: "a mutation that changed something, per principal and mutation",
  denial: "a request refused FORBIDDEN (a denied field, entry point or mutation), per principal",
  auth_failure: "a request refused UNAUTHENTICATED (no, expired, forged or foreign token), per client address",
  limit_refusal:
    "a request refused by a limit (QUERY_TOO_LARGE) or the rate limit (RATE_LIMITED), per principal or address",
  lookup_miss: "a lookup by full identifier (citizenByNik) that found nothing, per principal",
  write_outside_hours: "a mutation that changed something outside the rule's office hours, per principal",
  sealer_lag: "the oldest unsealed audit entry older than `threshold` seconds (checked every few seconds)",
  security_event: "an event the audit trail's own checks report (a bad entry, a disagreeing anchor), by name",
} as const;

export type Signal = keyof typeof SIGNALS;
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** `suspend_reveals`: the principal gets no clear value until an admin closes the alert. */
export const RESPONSES = ["suspend_reveals"] as const;
export type AlertResponse = (typeof RESPONSES)[number];

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const DURATION = /^(\d+)(s|m|h|d)$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

const OfficeHours = z.strictObject({
  roles: z.array(z.string().min(1)).min(1),
  days: z.array(z.enum(WEEKDAYS)).min(1),
  from: z.string().regex(CLOCK, "must be HH:MM"),
  to: z.string().regex(CLOCK, "must be HH:MM"),
  timezone: z.string().refine(isTimeZone, "must be an IANA time zone such as Asia/Jakarta"),
});

const RuleSchema = z.strictObject({
  description: z.string().min(10, "say in plain words what the rule catches"),
  counts: z.enum(Object.keys(SIGNALS) as [Signal, ...Signal[]]),
  threshold: z.number().int().min(1),
  window: z.string().regex(DURATION, "must be a duration such as 30s, 10m, 1h or 1d"),
  severity: z.enum(SEVERITIES),
  /** security_event rules: the event names they count. */
  events: z
    .array(z.string().regex(/^[a-z][a-z0-9_.]*$/))
    .min(1)
    .optional(),
  /** write_outside_hours rules: whose office hours, and what they are. */
  officeHours: OfficeHours.optional(),
  response: z.enum(RESPONSES).optional(),
});

const FileSchema = z.strictObject({ rules: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), RuleSchema) });

export interface AlertRule {
  name: string;
  description: string;
  counts: Signal;
  threshold: number;
  windowSeconds: number;
  severity: Severity;
  events: string[];
  officeHours: OfficeHours | undefined;
  response: AlertResponse | undefined;
}

export interface OfficeHours {
  roles: Set<string>;
  /** Is this moment outside the office hours? */
  outside(at: Date): boolean;
  text: string;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function officeHours(spec: z.infer<typeof OfficeHours>): OfficeHours {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: spec.timezone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
  const [from, to] = [minutes(spec.from), minutes(spec.to)];
  const days = new Set<string>(spec.days);
  return {
    roles: new Set(spec.roles),
    outside(at) {
      const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
      const day = String(parts.weekday).toLowerCase().slice(0, 3);
      const now = Number(parts.hour) * 60 + Number(parts.minute);
      return !days.has(day) || now < from || now >= to;
    },
    text: `${spec.days.join(",")} ${spec.from}-${spec.to} ${spec.timezone}`,
  };
}

/** The alerts file beside the role files. */
export function alertsFile(policyDir: string): string {
  return path.join(policyDir, "alerts.yaml");
}

/**
 * Reads and checks the alert rules. A missing file means no rules (a test policy directory); a file
 * that is there must be right, or nothing starts. Roles named in office hours must exist in `policy`.
 */
export function loadAlertRules(policyDir: string, policy?: Policy): AlertRule[] {
  const file = alertsFile(policyDir);
  if (!fs.existsSync(file)) return [];
  return parseAlertRules(fs.readFileSync(file, "utf8"), file, policy);
}

export function parseAlertRules(text: string, file = "alerts.yaml", policy?: Policy): AlertRule[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new PolicyError([`${file}: ${(error as Error).message}`]);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyError(parsed.error.issues.map((i) => `${file}: ${i.path.join(".") || "(file)"}: ${i.message}`));
  }
  const problems: string[] = [];
  const rules: AlertRule[] = [];
  for (const [name, r] of Object.entries(parsed.data.rules)) {
    const at = `${file}: rules.${name}`;
    if (r.counts === "security_event" && !r.events) problems.push(`${at}: a security_event rule names its events`);
    if (r.counts !== "security_event" && r.events) problems.push(`${at}: events is only for security_event rules`);
    if (r.counts === "write_outside_hours" && !r.officeHours)
      problems.push(`${at}: a write_outside_hours rule needs officeHours`);
    if (r.counts !== "write_outside_hours" && r.officeHours)
      problems.push(`${at}: officeHours is only for write_outside_hours rules`);
    for (const role of r.officeHours?.roles ?? []) {
      if (policy && !policy.role(role)) problems.push(`${at}: officeHours names unknown role "${role}"`);
    }
    if (r.response === "suspend_reveals" && !["reveal", "lookup_miss", "denial"].includes(r.counts))
      problems.push(`${at}: suspend_reveals needs a rule counted per principal's reads (reveal, lookup_miss, denial)`);
    const [, n, unit] = DURATION.exec(r.window) as RegExpExecArray;
    rules.push({
      name,
      description: r.description.trim(),
      counts: r.counts,
      threshold: r.threshold,
      windowSeconds: Number(n) * SECONDS[unit as keyof typeof SECONDS],
      severity: r.severity,
      events: r.events ?? [],
      officeHours: r.officeHours ? officeHours(r.officeHours) : undefined,
      response: r.response,
    });
  }
  if (problems.length) throw new PolicyError(problems);
  return rules;
}
