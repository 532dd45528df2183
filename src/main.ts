// The `gerbang` command line: dispatches to a command and turns expected failures into one line and exit 1.
// Each command's module is imported only when that command runs: `gerbang --help` and `gerbang token`
// must not load the server, the schema and Prisma just to print a line.
import type { Command } from "./cli/args.ts";

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: {
    summary: "start the gateway (PGlite in ./data unless DATABASE_URL is set)",
    load: async () => (await import("./cli/serve.ts")).serve,
  },
  migrate: {
    summary: "apply pending migrations (status | create NAME [--empty] | drift)",
    load: async () => (await import("./cli/commands.ts")).migrate,
  },
  seed: {
    summary: "fill an empty, migrated database with deterministic synthetic data",
    load: async () => (await import("./cli/commands.ts")).seed,
  },
  token: {
    summary: "print a development token for a role (not available in production)",
    load: async () => (await import("./cli/commands.ts")).token,
  },
  policy: {
    summary: "check the policies/ files, or print the role × field matrix for reviewers",
    load: async () => (await import("./cli/commands.ts")).policyCommand,
  },
  audit: {
    summary: "verify the tamper-evident audit trail (verify), or seal pending entries now (seal)",
    load: async () => (await import("./cli/commands.ts")).auditCommand,
  },
  backup: {
    summary: "back up the database to a folder with a manifest (verify BACKUP: prove one by a restore)",
    load: async () => (await import("./cli/ops.ts")).backupCommand,
  },
  restore: {
    summary: "restore a backup into a new or empty database, checked before it is put in place",
    load: async () => (await import("./cli/ops.ts")).restoreCommand,
  },
  doctor: {
    summary: "check the live database: schema, rows, privileges, audit chain, last verified backup",
    load: async () => (await import("./cli/ops.ts")).doctorCommand,
  },
  incident: {
    summary: "open a breach incident from an alert or a time range, print its notification draft",
    load: async () => (await import("./cli/incident.ts")).incident,
  },
  schema: {
    summary: "print the SDL to schema/schema.graphql, or check that the committed one is current",
    load: async () => (await import("./cli/commands.ts")).schemaCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: gerbang <command> [options]   (gerbang <command> --help for details)\n\nCommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}`);
    return 1;
  }
  return (await command.load()).run(rest);
}

/**
 * Failures an operator causes and fixes (usage, environment, database, policy files), by class name:
 * importing the classes would load the modules that define them (config, database, policy) up front.
 */
const EXPECTED = new Set([
  "UsageError",
  "ConfigError",
  "DatabaseUnavailableError",
  "DataDirInUseError",
  "RuntimeRoleError",
  "PolicyError",
  "BackupError",
  "IncidentError",
  "ToolMissingError",
]);

main(process.argv.slice(2)).then(
  (code) => {
    // undefined: a long-running command (serve) keeps the process alive.
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // Expected failures (usage, environment, database) are one line; so is anything else: an operator
    // needs the message, not a stack trace.
    const expected = error instanceof Error && EXPECTED.has(error.name);
    process.stderr.write(`gerbang: ${expected ? "" : "failed: "}${message}\n`);
    process.exit(1);
  },
);
