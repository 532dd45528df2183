// Builds the monitoring of one gateway from the configuration: metrics, the alert rules, the window
// store (Redis, PostgreSQL or this process) and the webhooks.
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log.ts";
import type { Policy } from "../policy/policy.ts";
import { createMetrics } from "./metrics.ts";
import { GatewayMonitor } from "./monitor.ts";
import { type AlertRule, loadAlertRules } from "./rules.ts";
import { createWebhookSender, type WebhookOptions } from "./webhook.ts";
import { memoryWindows, postgresWindows, redisWindows, type WindowStore } from "./windows.ts";

export interface MonitorSetup {
  config: Config;
  db: Database;
  log: Logger;
  /** Checks the roles named in the rules. */
  policy?: Policy;
  /** The rules; read from POLICY_DIR/alerts.yaml when not given. */
  rules?: AlertRule[];
  /** Overrides of the webhook retry schedule (tests). */
  webhook?: Partial<Pick<WebhookOptions, "attempts" | "backoffMs" | "timeoutMs">>;
  flushMs?: number;
  lagCheckMs?: number;
  now?: () => Date;
}

/** The window store for this configuration: Redis when REDIS_URL is set, else PostgreSQL, else in-process. */
export function windowStore(config: Config, db: Database): WindowStore {
  if (config.monitoring.redisUrl) {
    const url = config.monitoring.redisUrl;
    // Imported only when configured: most deployments never load a Redis client.
    const client = import("ioredis").then(
      ({ Redis }) => new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: false, lazyConnect: false }),
    );
    let store: Promise<WindowStore> | undefined;
    const get = () => {
      store ??= client.then((redis) => redisWindows(redis));
      return store;
    };
    return {
      add: async (batch, now) => (await get()).add(batch, now),
      close: async () => (store ? (await store).close() : undefined),
    };
  }
  return db.kind === "postgres" ? postgresWindows(db.prisma) : memoryWindows();
}

export function createMonitor(setup: MonitorSetup): GatewayMonitor {
  const { config, db, log } = setup;
  const metrics = createMetrics(db);
  const m = config.monitoring;
  const webhooks =
    m.webhookUrls.length && m.webhookSecret
      ? createWebhookSender({
          urls: m.webhookUrls,
          secret: m.webhookSecret,
          log,
          onGiveUp: () => metrics.webhookFailures.inc(),
          ...setup.webhook,
        })
      : undefined;
  return new GatewayMonitor({
    db,
    rules: setup.rules ?? loadAlertRules(config.policyDir, setup.policy),
    store: windowStore(config, db),
    log,
    metrics,
    webhooks,
    ...(setup.flushMs !== undefined ? { flushMs: setup.flushMs } : {}),
    ...(setup.lagCheckMs !== undefined ? { lagCheckMs: setup.lagCheckMs } : {}),
    ...(setup.now ? { now: setup.now } : {}),
  });
}
