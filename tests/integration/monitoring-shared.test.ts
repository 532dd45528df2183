// Alerts leave the process and span instances: a webhook receives each alert signed (and gets it
// again after failing), a dead webhook changes nothing for requests, and two gateways over one
// PostgreSQL database (or one Redis) add up one window and raise one alert between them.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl, testRedisUrl } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { SIGNATURE_HEADER } from "../../src/monitoring/webhook.ts";
import { type MonitoredGateway, monitoredGateway, monitoringConfig, seededDatabase } from "../support/monitoring.ts";

const SECRET = "webhook-secret-for-the-tests-0123456789";
const DENIED = `{ citizens(first: 1) { edges { node { id taxRecords(first: 1) { edges { node { id } } } } } } }`;

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A receiver on 127.0.0.1 that answers each POST with the next status of `statuses` (then 200). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Twenty denied requests: one repeated_denials window's worth. */
async function deny(gw: MonitoredGateway, subject: string, n = 20): Promise<void> {
  const token = await gw.token("front_office", { subject, region: "32.01", agency: "DUKCAPIL-3201" });
  for (let i = 0; i < n; i++) await gw.query(DENIED, { token });
}

describe("alert webhooks", () => {
  let db: Database;
  beforeAll(async () => {
    db = await seededDatabase("pglite", 20);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it("posts each alert as JSON with a signature the receiver can check, retried after a failure", async () => {
    const hook = await receiver([500]);
    try {
      const config = monitoringConfig({ ALERT_WEBHOOK_URLS: hook.url, ALERT_WEBHOOK_SECRET: SECRET });
      const gw = monitoredGateway(db, { config, webhook: { backoffMs: 5 } });
      await deny(gw, "signed-prober");
      const [alert] = await gw.monitor.flush();
      await gw.monitor.webhooksIdle();
      expect(hook.received).toHaveLength(2); // the 500, then the retry
      const [failed, delivered] = hook.received as [Received, Received];
      expect(delivered.body).toBe(failed.body);
      const payload = JSON.parse(delivered.body);
      expect(payload).toMatchObject({
        type: "gerbang.security_alert",
        alert: { id: alert?.id, rule: "repeated_denials" },
      });
      expect(delivered.headers["content-type"]).toBe("application/json");
      // The receiver's check: HMAC-SHA256 of "<t>.<raw body>" with the shared secret.
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivered.headers[SIGNATURE_HEADER])) ?? [];
      expect(v1).toBe(createHmac("sha256", SECRET).update(`${t}.${delivered.body}`).digest("hex"));
      expect(v1).not.toBe(createHmac("sha256", `${SECRET}x`).update(`${t}.${delivered.body}`).digest("hex"));
    } finally {
      await hook.close();
    }
  });

  it("gives up after its attempts on a dead receiver; requests and the alert row do not wait for it", async () => {
    const config = monitoringConfig({ ALERT_WEBHOOK_URLS: "http://127.0.0.1:9/dead", ALERT_WEBHOOK_SECRET: SECRET });
    const gw = monitoredGateway(db, { config, webhook: { backoffMs: 5, attempts: 3 } });
    await deny(gw, "unheard-prober");
    const [alert] = await gw.monitor.flush();
    const [row] = await db.query<{ rule: string }>(`select rule from "SecurityAlert" where id = $1`, [alert?.id]);
    expect(row?.rule).toBe("repeated_denials");
    await gw.monitor.webhooksIdle();
    expect(gw.lines.join("")).toContain("alert webhook unreachable");
    expect(await gw.monitor.metrics?.text()).toMatch(/^gerbang_alert_webhook_failures_total 1$/m);
  });
});

const postgres = testDatabaseUrl() ? describe : describe.skip;

postgres("two gateway instances over one PostgreSQL database", () => {
  let db: Database;
  beforeAll(async () => {
    db = await seededDatabase("postgres", 20);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it("add up one window and raise one alert between them", async () => {
    const a = monitoredGateway(db);
    const b = monitoredGateway(db);
    await deny(a, "split-prober", 10);
    await deny(b, "split-prober", 9);
    expect([...(await a.monitor.flush()), ...(await b.monitor.flush())]).toEqual([]);
    await deny(a, "split-prober", 1);
    const raised = [...(await a.monitor.flush()), ...(await b.monitor.flush())];
    expect(raised).toMatchObject([{ rule: "repeated_denials", key: "split-prober", count: 20 }]);
    // The other instance reaches the threshold too later on; the row stays one.
    await deny(b, "split-prober", 1);
    expect(await b.monitor.flush()).toEqual([]);
    const rows = await db.query(`select id from "SecurityAlert" where key = 'split-prober'`);
    expect(rows).toHaveLength(1);
  });
});

const redis = testRedisUrl() ? describe : describe.skip;

redis("two gateway instances sharing windows in Redis", () => {
  let db: Database;
  beforeAll(async () => {
    db = await seededDatabase("pglite", 20);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it("add up one window", async () => {
    const config = monitoringConfig({ REDIS_URL: testRedisUrl() as string });
    const a = monitoredGateway(db, { config });
    const b = monitoredGateway(db, { config });
    // A subject of its own per run: Redis outlives the test database.
    const subject = `redis-prober-${Date.now()}`;
    await deny(a, subject, 12);
    await deny(b, subject, 7);
    expect([...(await a.monitor.flush()), ...(await b.monitor.flush())]).toEqual([]);
    await deny(b, subject, 1);
    expect(await b.monitor.flush()).toMatchObject([{ rule: "repeated_denials", key: subject, count: 20 }]);
    await Promise.all([a.monitor.start()(), b.monitor.start()()]); // closes the Redis connections
  });
});
