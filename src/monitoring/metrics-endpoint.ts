// /metrics: on the gateway's own port (development, or behind METRICS_TOKEN in production) or on a
// port of its own (METRICS_PORT), which a firewall keeps to the scraper. Never open to anyone in
// production: with neither setting, /metrics is not served at all (config.ts).
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "graphql-yoga";
import { bearerToken } from "../auth/verify.ts";
import type { GatewayMetrics } from "./metrics.ts";

export const METRICS_PATH = "/metrics";
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function tokenMatches(header: string | null, expected: string): boolean {
  let given: string | undefined;
  try {
    given = bearerToken(header);
  } catch {
    return false;
  }
  if (!given) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers /metrics on the main port, before the auth step (a scraper has no user token). */
export function useMetricsEndpoint(metrics: GatewayMetrics, token: string | undefined): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      if (url.pathname !== METRICS_PATH) return;
      if (request.method !== "GET") {
        endResponse(new Response(null, { status: 405, headers: { allow: "GET" } }));
        return;
      }
      if (token && !tokenMatches(request.headers.get("authorization"), token)) {
        endResponse(new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } }));
        return;
      }
      endResponse(new Response(await metrics.text(), { headers: { "content-type": CONTENT_TYPE } }));
    },
  };
}

/** The handler of the separate metrics port: GET /metrics, 404 for anything else. */
export function metricsHandler(metrics: GatewayMetrics) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "GET" || req.url !== METRICS_PATH) {
      res.writeHead(404).end();
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { "content-type": CONTENT_TYPE }).end(text),
      () => res.writeHead(500).end(),
    );
  };
}
