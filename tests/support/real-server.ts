// The gateway behind a real node:http server on 127.0.0.1 (port 0), spoken to with node:http so that
// a test can send what fetch would normalise away: raw paths (`//graphql`, `/%67raphql`, absolute
// URLs), odd methods, forged headers. What yoga.fetch cannot show (the socket's peer address, the
// URL as node:http builds it) is exactly what these tests are about.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { createGateway } from "../../src/server/yoga.ts";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when it is JSON. */
  json: Record<string, unknown> | undefined;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

export interface RawRequest {
  method?: string;
  /** Sent as is on the request line. */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RealServer {
  origin: string;
  send(request: RawRequest): Promise<RawResponse>;
  /** POST /graphql with a JSON body, optionally with a token. */
  graphql(
    query: string,
    options?: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startRealServer(db: Database, config: Config, log: Logger = createLogger("silent")) {
  const gateway = createGateway({ config, db, log });
  const server = createServer(gateway);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const send = (req: RawRequest) => sendRaw(port, req);
  const real: RealServer = {
    origin: `http://127.0.0.1:${port}`,
    send,
    graphql: (query, options = {}) =>
      send({
        method: "POST",
        path: "/graphql",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return real;
}

function sendRaw(port: number, req: RawRequest): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const r = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: req.method ?? "GET",
        path: req.path ?? "/graphql",
        headers,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
        });
      },
    );
    r.on("timeout", () => r.destroy(new Error(`no answer within 10 s: ${req.method ?? "GET"} ${req.path}`)));
    r.on("error", reject);
    r.end(req.body);
  });
}
