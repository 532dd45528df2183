// Structured JSON logs through pino: one line per event, with the request id when there is one.
// Nothing that identifies a citizen or opens a door ever reaches a line: keys that hold such values
// are redacted by name, and every string value is scrubbed of anything shaped like a NIK or family-card
// number (16 digits) or a bearer token (a JWT), whatever key it hides under (an error message, a path).
import pino from "pino";
import type { Config } from "./config.ts";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Writes out what is buffered (before the process exits). */
  flush?(): void;
}

/** Keys whose values are never logged, at any depth. */
const REDACT_KEYS = new Set([
  "authorization",
  "token",
  "accessToken",
  "secret",
  "password",
  "apiKey",
  "nik",
  "familyCardNumber",
  "addressStreet",
  "addressRt",
  "addressRw",
  "variables",
]);

// Sixteen digits in a row (NIK, No. KK), also when written with separators a person might use.
const SIXTEEN_DIGITS = /(?<!\d)\d(?:[ .-]?\d){15}(?!\d)/g;
// A JWT: three base64url parts, the first one a JSON header ("eyJ").
const JWT = /eyJ[\w-]{5,}\.[\w-]+\.[\w-]*/g;

/** A string as a log line may hold it: no 16-digit number, no token. */
export function scrub(text: string): string {
  return text.replace(SIXTEEN_DIGITS, "[16 digits]").replace(JWT, "[token]");
}

/**
 * The value as a log line may hold it: redacted keys replaced, strings scrubbed, at any depth (one walk
 * of an object of a dozen fields: cheaper than pino's path-based redaction with wildcards).
 */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object" || depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value instanceof Error) return scrub(value.message);
  const out: Record<string, unknown> = {};
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    out[k] = REDACT_KEYS.has(k) && v !== undefined && v !== null ? "[redacted]" : scrubValue(v, depth + 1);
  }
  return out;
}

export type LogDestination = string | ((line: string) => void);

/**
 * A logger at `level`, writing JSON lines to stdout, or to a file (a path, appended), or to a function
 * (tests capture lines this way). `also` writes every line to a second destination (LOG_FILE).
 */
export function createLogger(level: Config["logLevel"], destination?: LogDestination, also?: LogDestination): Logger {
  const streams = [destination, also]
    .filter((d, i) => i === 0 || d !== undefined)
    .map((d) => ({ stream: streamOf(d) }));
  const flush = () => {
    for (const { stream } of streams) {
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // not open yet: nothing was buffered
      }
    }
  };
  if ([destination, also].some((d) => typeof d === "string")) process.once("exit", flush);
  const base = pino(
    {
      level,
      base: null,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubValue(object) as Record<string, unknown>,
      },
    },
    streams.length === 1 ? (streams[0] as { stream: pino.DestinationStream }).stream : pino.multistream(streams),
  );
  return { ...wrap(base), flush };
}

/**
 * stdout is written synchronously (pino's default: nothing is lost when the process exits at once);
 * a file (LOG_FILE) asynchronously, so that a request never waits for a write(2) on a busy disk, and
 * what is buffered is written out when the process exits.
 */
function streamOf(destination: LogDestination | undefined): pino.DestinationStream {
  if (destination === undefined) return pino.destination({ dest: 1, sync: true });
  if (typeof destination === "string") return pino.destination({ dest: destination, mkdir: true, sync: false });
  return { write: destination };
}

function wrap(p: pino.Logger): Logger {
  const at =
    (lvl: "debug" | "info" | "warn" | "error") =>
    (msg: string, fields?: Record<string, unknown>): void => {
      // The message first, then the fields, as the lines always read ("msg":"stopping","signal":…).
      p[lvl]({ msg: scrub(msg), ...fields });
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/**
 * A logger that adds `fields` to every line (a request's ids, for instance). Plain closures, not a pino
 * child: every request gets one, and almost none of them ever writes a line.
 */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  const bound = (write: Logger["info"]) => (msg: string, more?: Record<string, unknown>) =>
    write(msg, { ...fields, ...more });
  return { debug: bound(log.debug), info: bound(log.info), warn: bound(log.warn), error: bound(log.error) };
}
