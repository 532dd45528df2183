// Small helpers shared by the CLI commands: argument parsing with help text, and clean failures.
import { type ParseArgsConfig, parseArgs } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

/** A command of `gerbang`; its one-line summary for `gerbang --help` is in main.ts, beside its name. */
export interface Command {
  /** Full help text: usage, options, examples. */
  help: string;
  run(argv: string[]): Promise<number | undefined>;
}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, help: string) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${help.trim()}\n`);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help.trim()}`);
  }
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive whole number (got "${value}").`);
  return n;
}
