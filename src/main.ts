// The `gerbang` command line: dispatches to a command and turns expected failures into one line and exit 1.
import { type Command, UsageError } from "./cli/args.ts";
import { auditCommand, migrate, policyCommand, schemaCommand, seed, token } from "./cli/commands.ts";
import { serve } from "./cli/serve.ts";
import { ConfigError } from "./config.ts";
import { DatabaseUnavailableError } from "./db/database.ts";
import { PolicyError } from "./policy/load.ts";

const commands: Record<string, Command> = {
  serve,
  migrate,
  seed,
  token,
  policy: policyCommand,
  audit: auditCommand,
  schema: schemaCommand,
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
  return command.run(rest);
}

const EXPECTED = [UsageError, ConfigError, DatabaseUnavailableError, PolicyError];

main(process.argv.slice(2)).then(
  (code) => {
    // undefined: a long-running command (serve) keeps the process alive.
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // Expected failures (usage, environment, database) are one line; so is anything else: an operator
    // needs the message, not a stack trace.
    const expected = EXPECTED.some((cls) => error instanceof cls);
    process.stderr.write(`gerbang: ${expected ? "" : "failed: "}${message}\n`);
    process.exit(1);
  },
);
