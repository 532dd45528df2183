// Alert delivery to webhooks: JSON, signed with HMAC-SHA256 so the receiver can tell it came from us
// and was not replayed, retried with exponential backoff. Deliveries run in the background on their
// own queue: a dead or slow receiver never slows a request, and a flood of alerts cannot grow memory
// without bound (the oldest waiting delivery is dropped, and logged, past MAX_QUEUED).
import { createHmac } from "node:crypto";
import type { Logger } from "../log.ts";

export const SIGNATURE_HEADER = "x-gerbang-signature";
const MAX_QUEUED = 1000;

export interface WebhookOptions {
  urls: string[];
  secret: string;
  log: Logger;
  /** Attempts per delivery (first try included). */
  attempts?: number;
  /** First retry delay in ms; doubles each time, capped at 60 s. */
  backoffMs?: number;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number;
  /** Called when a delivery is given up (metrics). */
  onGiveUp?: () => void;
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The receiver recomputes it with the shared
 * secret over the raw body and refuses a stale `t` (replay).
 */
export function signature(secret: string, body: string, at = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${at}.${body}`).digest("hex");
  return `t=${at},v1=${mac}`;
}

export interface WebhookSender {
  send(payload: unknown): void;
  /** Resolves when every queued delivery has succeeded or been given up (tests, shutdown). */
  idle(): Promise<void>;
}

export function createWebhookSender(options: WebhookOptions): WebhookSender {
  const attempts = options.attempts ?? 6;
  const backoffMs = options.backoffMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  let queued = 0;
  let waiters: Array<() => void> = [];
  const done = () => {
    queued--;
    if (queued === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };

  async function deliver(url: string, body: string): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature(options.secret, body) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return;
        if (response.status < 500 && response.status !== 429 && response.status !== 408) {
          options.log.error("alert webhook refused the alert; not retrying", {
            url: safeUrl(url),
            status: response.status,
          });
          options.onGiveUp?.();
          return;
        }
      } catch {
        // network error or timeout: retried below
      }
      if (attempt < attempts) await sleep(Math.min(backoffMs * 2 ** (attempt - 1), 60_000));
    }
    options.log.error("alert webhook unreachable; alert not delivered", { url: safeUrl(url), attempts });
    options.onGiveUp?.();
  }

  return {
    send(payload) {
      if (options.urls.length === 0) return;
      const body = JSON.stringify(payload);
      for (const url of options.urls) {
        if (queued >= MAX_QUEUED) {
          options.log.error("alert webhook queue full; alert not delivered", { url: safeUrl(url) });
          options.onGiveUp?.();
          continue;
        }
        queued++;
        void deliver(url, body).finally(done);
      }
    },
    idle: () => (queued === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** The URL without credentials or query (a token in a webhook URL must not reach the log). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}
