// The database and development commands of `gerbang`. `serve` lives in cli/serve.ts.
import fs from "node:fs";
import { printSchema } from "graphql";
import { devTokenProblems, devTokenSecret, issueDevToken } from "../auth/dev-token.ts";
import { type DatabaseTarget, loadConfig } from "../config.ts";
import { openDatabase, safeLocation } from "../db/database.ts";
import { applyMigrations, checkDrift, createMigration, migrationStatus } from "../db/migrator.ts";
import { grantRuntimeRole } from "../db/runtime-role.ts";
import { createLogger } from "../log.ts";
import { type Command, parse, positiveInt, UsageError } from "./args.ts";

function describeTarget(target: DatabaseTarget): string {
  return target.kind === "postgres" ? `PostgreSQL at ${safeLocation(target.url)}` : `PGlite in ${target.dataDir}`;
}

export const migrate: Command = {
  help: `
Usage: gerbang migrate [deploy]         apply every pending migration to the configured database
       gerbang migrate status           list applied and pending migrations
       gerbang migrate create NAME [--empty]
                                        write prisma/migrations/<time>_NAME from schema.prisma changes
                                        (--empty: an empty one, for hand-written SQL)
       gerbang migrate drift            exit 1 when schema.prisma has changes no migration holds

The database is MIGRATION_DATABASE_URL (the tables' owner), else DATABASE_URL (PostgreSQL), else
PGlite in DATA_DIR (default ./data). On PostgreSQL, deploy also creates the gateway's runtime role
(DATABASE_RUNTIME_ROLE, default gerbang_runtime) when it is missing and sets its privileges: read and
write what requests need, append to the audit trail, nothing that deletes or rewrites it.
No native engine is downloaded: Prisma's schema engine runs as WebAssembly.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { empty: { type: "boolean" } }, this.help);
    const action = positionals[0] ?? "deploy";
    if (action === "create") {
      const name = positionals[1];
      if (!name || !/^[a-z0-9_]+$/.test(name))
        throw new UsageError("migrate create needs a NAME of lowercase letters, digits and _.");
      const dir = await createMigration(name, { empty: values.empty === true });
      console.log(dir ? `Created ${dir}` : "No changes: schema.prisma matches the migrations.");
      return 0;
    }
    if (action === "drift") {
      const { drift, sql } = await checkDrift();
      if (!drift) {
        console.log("No drift: schema.prisma and prisma/migrations agree.");
        return 0;
      }
      console.error(`schema.prisma has changes that no migration holds. Run: npm run db:migration -- NAME\n\n${sql}`);
      return 1;
    }
    if (action !== "deploy" && action !== "status")
      throw new UsageError(`Unknown migrate action "${action}".\n${this.help}`);
    const config = loadConfig();
    const target = config.migrationDatabase;
    // status may ask a running embedded gateway; deploy may not: on PGlite the gateway applies
    // migrations itself when it starts, and a schema must not change beneath a running one.
    const db = await openDatabase(target, { joinRunningGateway: action === "status" });
    try {
      if (action === "status") {
        const status = await migrationStatus(db);
        console.log(`${describeTarget(target)}: ${status.applied.length} applied, ${status.pending.length} pending`);
        for (const name of status.pending) console.log(`  pending  ${name}`);
        for (const problem of status.problems) console.log(`  problem  ${problem}`);
        return status.pending.length === 0 && status.problems.length === 0 ? 0 : 1;
      }
      console.log(`Migrating ${describeTarget(target)} ...`);
      const applied = await applyMigrations(db);
      console.log(applied.length ? `Applied ${applied.length}: ${applied.join(", ")}` : "Already up to date.");
      if (db.kind === "postgres") {
        // Every run, not only when something was applied: new tables and columns get their grants,
        // and grants someone changed by hand are put back.
        const granted = await grantRuntimeRole(db, config.runtimeRole);
        console.log(
          `Runtime role ${config.runtimeRole}${granted.created ? " (created now: set its password, README 'Running on PostgreSQL')" : ""}: ` +
            `privileges set on ${granted.tables.length} tables.`,
        );
        if (granted.undeclared.length)
          console.log(
            `  warning: no runtime privileges declared for ${granted.undeclared.join(", ")} (src/db/runtime-role.ts): the gateway gets none there`,
          );
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const seed: Command = {
  help: `
Usage: gerbang seed [--citizens N]

Generates synthetic regions, agencies and N citizens (default 2000) with their tax records, permits,
service records and social assistance. The same N always gives the same data. Refuses a database
that already has citizens. Progress is printed as it goes. It writes reference data (regions,
agencies) that the gateway's runtime role may only read, so it connects as the owner, like migrate:
MIGRATION_DATABASE_URL, else DATABASE_URL, else PGlite in DATA_DIR.`,
  async run(argv) {
    const { values } = parse(argv, { citizens: { type: "string" } }, this.help);
    const citizens = positiveInt(values.citizens, "--citizens", 2000);
    const config = loadConfig();
    const db = await openDatabase(config.migrationDatabase, { joinRunningGateway: true });
    try {
      const status = await migrationStatus(db);
      if (status.pending.length > 0)
        throw new UsageError("The database is behind the migrations: run `npx gerbang migrate` first.");
      const { seedDemoData } = await import("./demo.ts");
      await seedDemoData(db, citizens);
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const token: Command = {
  help: `
Usage: gerbang token --role ROLE [--region CODE] [--agency CODE] [--purpose P ...] [--subject ID] [--ttl 8h]

Prints a bearer token signed with the local development key, for GraphiQL or curl:
  Authorization: Bearer <token>
Example: gerbang token --role front_office --region 32.01

Roles (policies/roles/) and what their rows need:
  front_office, registry_officer, social_officer   --region
  tax_officer, licensing_officer, archivist        --region and --agency
  finance_officer                                  --agency
  auditor, admin                                   nothing
  agency_app                                       nothing; it is the role of third-party client tokens
                                                   and sees nothing until the client interface exists

  --region   a code from the Region table: the officer sees rows there (32, 32.01, 32.01.01)
  --agency   a code from the Agency table: the officer's own agency, e.g. DUKCAPIL-3201 (mutations
             that record under the officer's agency need it too, e.g. recordService, assessTax)
  --purpose  a purpose of the role the token allows in x-purpose (repeatable; default: all of them)
  --subject  the officer's id (the token's sub), recorded in audit and access entries (default dev-ROLE)
  --ttl      lifetime: 30m, 8h (default 8h; at most JWT_MAX_LIFETIME, default 12h)

Refuses, naming the fix, a token that could not work: an unknown role or purpose, a role whose
rows need --region or --agency without it, a region or agency that is not in the database. Codes
are read from the database (DATABASE_URL, or PGlite in DATA_DIR), or from the gateway running on
PORT while it holds PGlite's data directory. Refused when NODE_ENV=production: production tokens
come from the identity provider.`,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        role: { type: "string" },
        agency: { type: "string" },
        region: { type: "string" },
        purpose: { type: "string", multiple: true },
        ttl: { type: "string" },
        subject: { type: "string" },
      },
      this.help,
    );
    if (!values.role) throw new UsageError(`--role is required.\n${this.help}`);
    const config = loadConfig();
    devTokenSecret(config); // refuses production before anything is opened
    const request = {
      role: values.role,
      subject: values.subject,
      agency: values.agency,
      region: values.region,
      purposes: values.purpose,
      ttl: values.ttl,
    };
    const { schema } = await import("../schema/index.ts");
    const { loadPolicy } = await import("../policy/load.ts");
    const policy = loadPolicy(config.policyDir, schema);
    // An unknown role needs no database to be refused.
    const lookup = policy.role(request.role)
      ? await (await import("./token-codes.ts")).lookUpCodes(config, policy, request)
      : undefined;
    if (lookup && "refused" in lookup) throw new UsageError(lookup.refused);
    const problems = devTokenProblems(policy, request, lookup && "codes" in lookup ? lookup.codes : undefined);
    if (problems.length) throw new UsageError(problems.join("\n"));
    if (lookup && "unchecked" in lookup && (request.region !== undefined || request.agency !== undefined)) {
      const what = [request.region && `--region ${request.region}`, request.agency && `--agency ${request.agency}`];
      console.error(`gerbang: note: ${what.filter(Boolean).join(" and ")} not checked: ${lookup.unchecked}`);
    }
    console.log(await issueDevToken(config, request));
    return 0;
  },
};

const SCHEMA_FILE = new URL("../../schema/schema.graphql", import.meta.url);

async function printedSchema(): Promise<string> {
  const { schema } = await import("../schema/index.ts");
  return `${printSchema(schema)}\n`;
}

export const schemaCommand: Command = {
  help: `
Usage: gerbang schema print    write schema/schema.graphql (sorted SDL) from the code
       gerbang schema check    exit 1 when schema/schema.graphql differs from the code`,
  async run(argv) {
    const { positionals } = parse(argv, {}, this.help);
    const sdl = await printedSchema();
    if (positionals[0] === "print") {
      fs.mkdirSync(new URL(".", SCHEMA_FILE), { recursive: true });
      fs.writeFileSync(SCHEMA_FILE, sdl);
      console.log("Wrote schema/schema.graphql");
      return 0;
    }
    if (positionals[0] === "check") {
      const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
      if (committed === sdl) {
        console.log("schema/schema.graphql is up to date.");
        return 0;
      }
      console.error("schema/schema.graphql is stale: run `npm run schema:print` and commit it.");
      return 1;
    }
    throw new UsageError(this.help);
  },
};

export const policyCommand: Command = {
  help: `
Usage: gerbang policy check                   validate policies/ against the schema (exit 1 on problems)
       gerbang policy matrix [--format md|html] print the role × field matrix (default md)

The policy directory is POLICY_DIR (default ./policies).`,
  async run(argv) {
    const { values, positionals } = parse(argv, { format: { type: "string" } }, this.help);
    const config = loadConfig();
    const { schema } = await import("../schema/index.ts");
    const { loadPolicy } = await import("../policy/load.ts");
    const policy = loadPolicy(config.policyDir, schema);
    if (positionals[0] === "check") {
      console.log(`policies OK: ${policy.roles.size} roles, every field of the schema is covered.`);
      return 0;
    }
    if (positionals[0] === "matrix") {
      const { matrixHtml, matrixMarkdown, policyMatrix } = await import("../policy/matrix.ts");
      const format = values.format ?? "md";
      if (format !== "md" && format !== "html") throw new UsageError(`--format must be md or html (got "${format}").`);
      const matrix = policyMatrix(policy, schema);
      process.stdout.write(format === "html" ? matrixHtml(matrix) : matrixMarkdown(matrix));
      return 0;
    }
    throw new UsageError(this.help);
  },
};

/** audit verify prints a progress line each time it has checked this many more entries. */
const PROGRESS_EVERY = 100_000;

export const auditCommand: Command = {
  help: `
Usage: gerbang audit verify [--seal-first]   check every entry, access entry, seal and anchor
       gerbang audit seal                    seal the entries not yet sealed (servers do this every 2 s)

verify exits 0 and prints "intact" when everything matches, or exits 1, prints BROKEN and lists every
problem (the first 50 in full): entries or access entries altered, forged, deleted, reordered or
truncated, and seals that no longer match their anchors in AUDIT_ANCHOR_DIR (a truncated, re-sealed
or rolled-back trail), naming the last seal that still matches. When nothing at all verifies, it
says the key is probably wrong. Entries written in the last seconds may not be sealed yet: they are
checked against their own hash, and counted as unsealed.
--seal-first seals pending entries before checking (it writes; plain verify only reads).
The key is AUDIT_HMAC_KEY; the database is DATABASE_URL or PGlite in DATA_DIR (while a gateway
runs on DATA_DIR, through that gateway's socket in DATA_DIR/.gerbang-socket).`,
  async run(argv) {
    const { values, positionals } = parse(argv, { "seal-first": { type: "boolean" } }, this.help);
    const action = positionals[0];
    if (action !== "verify" && action !== "seal") throw new UsageError(this.help);
    const config = loadConfig();
    // Beside a running embedded gateway, through its socket (it holds PGlite's data directory).
    const db = await openDatabase(config.database, { joinRunningGateway: true });
    try {
      const { sealAll } = await import("../audit/seal.ts");
      if (action === "seal" || values["seal-first"]) {
        const { fileAnchorSink } = await import("../audit/anchor.ts");
        const sealed = await sealAll(db.prisma, config.auditKey, {
          anchors: fileAnchorSink(config.anchors.dir, config.anchors.instance),
          instance: config.anchors.instance,
          log: createLogger(config.logLevel, (line) => process.stderr.write(line)),
        });
        console.log(`Sealed ${sealed} pending entries.`);
        if (action === "seal") return 0;
      }
      const { defaultVerifyWorkers, describeReport, verifyAudit } = await import("../audit/verify.ts");
      const started = Date.now();
      let shown = 0;
      const report = await verifyAudit(db, config.auditKey, {
        onProgress: (n) => {
          if (Math.floor(n / PROGRESS_EVERY) > Math.floor(shown / PROGRESS_EVERY))
            process.stderr.write(`checked ${n} entries...\n`);
          shown = n;
        },
        anchorDir: config.anchors.dir,
        // On PostgreSQL the entries are checked in worker threads on their own connections.
        ...(config.database.kind === "postgres" && {
          parallel: { url: config.database.url, workers: defaultVerifyWorkers() },
        }),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(describeReport(report, { seconds, anchorDir: config.anchors.dir }));
      return report.intact ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
