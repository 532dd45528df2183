// The fixture of the monitoring tests: a seeded database, a gateway whose monitor counts the shipped
// alert rules (policies/alerts.yaml) on a clock the test sets, and every log line captured.
import path from "node:path";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { createLogger } from "../../src/log.ts";
import type { GatewayMonitor } from "../../src/monitoring/monitor.ts";
import { type AlertRule, loadAlertRules } from "../../src/monitoring/rules.ts";
import { createMonitor, type MonitorSetup } from "../../src/monitoring/setup.ts";
import { type DatabaseKind, openTestDatabase } from "./db.ts";
import { type TestGateway, testGateway } from "./gateway.ts";

export const POLICY_DIR = path.resolve("policies");
/** The shipped rules. */
export const SHIPPED_RULES: AlertRule[] = loadAlertRules(POLICY_DIR);

/** Wednesday 2026-11-25 10:00 in Jakarta (UTC+7): inside office hours, mid-window for every rule. */
export const OFFICE_TIME = new Date("2026-11-25T03:02:00Z");
/** Saturday 2026-11-28 22:00 in Jakarta. */
export const SATURDAY_NIGHT = new Date("2026-11-28T15:02:00Z");

export interface MonitoredGateway extends TestGateway {
  config: Config;
  monitor: GatewayMonitor;
  lines: string[];
  /** The parsed log lines with `msg`. */
  logged(msg: string): Array<Record<string, unknown>>;
  /** Sets the monitor's clock. */
  setTime(at: Date): void;
}

export function monitoringConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "info", ...env });
}

/** A gateway with a monitor over `db` (a second one over the same db shares its windows on PostgreSQL). */
export function monitoredGateway(
  db: Database,
  options: { config?: Config; rules?: AlertRule[]; webhook?: MonitorSetup["webhook"] } = {},
): MonitoredGateway {
  const config = options.config ?? monitoringConfig();
  const lines: string[] = [];
  const log = createLogger("info", (line) => lines.push(line));
  let now = OFFICE_TIME;
  const monitor = createMonitor({
    config,
    db,
    log,
    rules: options.rules ?? SHIPPED_RULES,
    now: () => now,
    lagCheckMs: 0,
    ...(options.webhook ? { webhook: options.webhook } : {}),
  });
  const gw = testGateway(db, config, { monitor, log });
  return {
    ...gw,
    config,
    monitor,
    lines,
    logged: (msg) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg),
    setTime(at) {
      now = at;
    },
  };
}

/** A fresh database with `citizens` seeded citizens. */
export async function seededDatabase(kind: DatabaseKind, citizens = 120): Promise<Database> {
  const db = await openTestDatabase(kind);
  await seed(db.prisma, { citizens });
  return db;
}
