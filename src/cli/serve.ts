// `gerbang serve`: open the database, make sure its schema is current, listen.
import { createServer } from "node:http";
import { fileAnchorSink, retryingSink } from "../audit/anchor.ts";
import { startSealer } from "../audit/seal.ts";
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { applyMigrations, migrationStatus } from "../db/migrator.ts";
import { privilegeProblems } from "../db/runtime-role.ts";
import { LIMITS } from "../limits/limits.ts";
import { createLogger } from "../log.ts";
import { metricsHandler } from "../monitoring/metrics-endpoint.ts";
import { NO_MONITOR, withSecurityEvents } from "../monitoring/monitor.ts";
import { createMonitor } from "../monitoring/setup.ts";
import { loadPolicy } from "../policy/load.ts";
import { schema } from "../schema/index.ts";
import { createGateway, GRAPHQL_ENDPOINT } from "../server/yoga.ts";
import { type Command, parse } from "./args.ts";
import { seedDemoData } from "./demo.ts";

const DEMO_CITIZENS = 2000;

/**
 * PGlite is the developer's own database: migrate it and seed demo data on first start.
 * PostgreSQL belongs to an operator: never change its schema implicitly, refuse to run behind it.
 */
async function prepare(db: Database, log: ReturnType<typeof createLogger>): Promise<void> {
  if (db.kind === "pglite") {
    const applied = await applyMigrations(db);
    if (applied.length) log.info("migrations applied", { applied });
    const [row] = await db.query<{ n: number }>('select count(*)::int as n from "Region"');
    if (row?.n === 0) {
      log.info("empty database: seeding demo data", { citizens: DEMO_CITIZENS });
      await seedDemoData(db, DEMO_CITIZENS);
    }
    return;
  }
  const status = await migrationStatus(db);
  if (status.pending.length > 0 || status.problems.length > 0) {
    const what = status.pending.length
      ? `${status.pending.length} pending migration(s): ${status.pending.join(", ")}`
      : status.problems.join("; ");
    throw new Error(
      `The database is behind the migrations (${what}). Run, as the owner of the tables: MIGRATION_DATABASE_URL=... npx gerbang migrate`,
    );
  }
}

/**
 * An account that could rewrite the audit trail (superuser, owner of the audit tables, DELETE on
 * them, PGlite) is refused in production unless the operator overrides it, which is logged as an
 * error at every start; elsewhere it is a warning.
 */
async function checkPrivileges(
  db: Database,
  config: Config,
  allow: boolean,
  log: ReturnType<typeof createLogger>,
): Promise<void> {
  const problems = await privilegeProblems(db);
  if (problems.length === 0) return;
  const production = config.env === "production";
  // PGlite in development is the zero-config default: nothing to warn about there.
  if (!production && db.kind === "pglite") return;
  if (production && !allow) {
    throw new ConfigError(
      `refusing to serve in production with a database account that can rewrite the audit trail: ${problems.join("; ")}. ` +
        `Connect as the runtime role (${config.runtimeRole}, created by gerbang migrate; README "Running on PostgreSQL"), ` +
        "or start with --allow-privileged-database to accept the risk",
    );
  }
  if (production) {
    log.error(
      "SECURITY: serving with a database account that can rewrite the audit trail (--allow-privileged-database)",
      {
        problems,
      },
    );
  } else {
    log.warn("the database account can rewrite the audit trail; in production serve refuses it", {
      problems,
      fix: `connect as the runtime role ${config.runtimeRole} (gerbang migrate creates it)`,
    });
  }
}

export const serve: Command = {
  help: `
Usage: gerbang serve [--allow-privileged-database]

Starts Gerbang on PORT (default 4000): POST /graphql, GraphiQL at /graphql outside production,
/healthz, /readyz, /metrics (see README "Monitoring and alerts": METRICS_PORT, METRICS_TOKEN).
Alert rules come from POLICY_DIR/alerts.yaml. Without DATABASE_URL it runs on PGlite in DATA_DIR (default ./data), applies
migrations and seeds demo data on first start. With DATABASE_URL (PostgreSQL) it never migrates by
itself: run \`gerbang migrate\` first.

In production it refuses a database account that could rewrite the audit trail: a superuser, the
owner of the audit tables (or a member of it), one with DELETE, TRUNCATE or TRIGGER on them, and the
embedded PGlite database. DATABASE_URL should name the runtime role (DATABASE_RUNTIME_ROLE, default
gerbang_runtime) that \`gerbang migrate\` creates.
  --allow-privileged-database  start anyway; logged as an error at every start`,
  async run(argv) {
    const { values } = parse(argv, { "allow-privileged-database": { type: "boolean" } }, this.help);
    const config = loadConfig();
    const log = createLogger(config.logLevel, undefined, config.monitoring.logFile);
    // Signals are ours from the first moment. During start-up one is remembered and acted on as soon
    // as the server is up, so that a first start is not cut off in the middle of its seed; a second
    // one exits at once. (Yoga's server adapter also listens for SIGTERM, and would swallow a signal
    // that arrived after it was made and before a handler of ours was installed.)
    let requested: string | undefined;
    let onSignal = (signal: string) => {
      if (requested) process.exit(1);
      requested = signal;
      log.info("stopping as soon as started", { signal });
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    // A statement may run as long as the request that sent it (LIMITS.executionTimeoutMs), no longer.
    const db = await openDatabase(config.database, {
      statementTimeoutMs: LIMITS.executionTimeoutMs,
      // PGlite allows one process per data directory: gerbang's CLI commands come in through this socket.
      listenForCli: (outcome) =>
        "path" in outcome
          ? log.info("CLI commands reach the embedded database through the gateway", { socket: outcome.path })
          : log.warn("CLI commands cannot reach the embedded database while the gateway runs", {
              reason: outcome.unavailable,
            }),
    });
    try {
      // Before anything is written (a first PGlite start seeds): a refused start changes nothing.
      await checkPrivileges(db, config, values["allow-privileged-database"] === true, log);
      await prepare(db, log);
    } catch (error) {
      await db.close();
      throw error;
    }
    const policy = loadPolicy(config.policyDir, schema);
    // Alert rules are checked before anything listens, like the role files.
    const monitor = config.monitoring.enabled ? createMonitor({ config, db, log, policy }) : undefined;
    const gateway = createGateway({ config, db, log, policy, monitor: monitor ?? NO_MONITOR });
    const stopMonitor = monitor ? monitor.start() : async () => {};
    // Every instance runs the sealer; an advisory lock makes them take turns.
    // Each seal is anchored outside the database as soon as it is committed (README "Audit trail").
    // Their security events (an entry whose hash does not match, an anchor that cannot be written) raise alerts.
    const trailLog = monitor ? withSecurityEvents(log, monitor) : log;
    const stopSealer = startSealer(db.prisma, config.auditKey, trailLog, {
      anchors: retryingSink(fileAnchorSink(config.anchors.dir, config.anchors.instance), trailLog),
      instance: config.anchors.instance,
    });
    const server = createServer(gateway);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, resolve);
    });
    const metricsServer =
      monitor?.metrics && config.monitoring.metrics === "port"
        ? createServer(metricsHandler(monitor.metrics))
        : undefined;
    if (metricsServer) {
      await new Promise<void>((resolve, reject) => {
        metricsServer.once("error", reject);
        metricsServer.listen(config.monitoring.metricsPort, config.host, resolve);
      });
    }
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    log.info("gerbang ready", {
      url: `http://localhost:${port}${GRAPHQL_ENDPOINT}`,
      database:
        db.kind === "pglite"
          ? `PGlite in ${config.database.kind === "pglite" ? config.database.dataDir : ""}`
          : "PostgreSQL",
      hint: "get a token: npx gerbang token --role front_office --region 32.01",
      metrics: !monitor
        ? "off (MONITORING=off)"
        : config.monitoring.metrics === "port"
          ? `http://${config.host}:${config.monitoring.metricsPort}/metrics`
          : config.monitoring.metrics === "main"
            ? `/metrics on the main port${config.monitoring.metricsToken ? " (METRICS_TOKEN required)" : ""}`
            : "not served: set METRICS_PORT or METRICS_TOKEN",
    });
    let stopping = false;
    onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      server.close();
      server.closeAllConnections();
      metricsServer?.close();
      // Close PGlite cleanly so its files are consistent; committed data is already on disk.
      stopSealer()
        .then(() => stopMonitor())
        .then(() => log.flush?.())
        .then(() => db.close())
        .finally(() => process.exit(0));
    };
    if (requested) onSignal(requested);
    return undefined; // keep running
  },
};
