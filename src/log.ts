// Structured JSON logs, one line per event, with the request id when there is one.
import type { Config } from "./config.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
type Level = Exclude<keyof typeof LEVELS, "silent">;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: Config["logLevel"],
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const min = LEVELS[level];
  const log = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that adds `fields` to every line (a request's ids, for instance). */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  const bound = (write: Logger["info"]) => (msg: string, more?: Record<string, unknown>) =>
    write(msg, { ...fields, ...more });
  return { debug: bound(log.debug), info: bound(log.info), warn: bound(log.warn), error: bound(log.error) };
}
