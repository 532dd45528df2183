// The gateway behind a real node:http server on 127.0.0.1 (a free port), for tests that must see what
// a caller on the network sees: body limits enforced while the body streams in, connections, status
// lines, and a server that keeps answering others while one request misbehaves. Same `query` and
// `token` as the yoga.fetch helper (support/gateway.ts), so fixtures such as tokenFor work with both.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import type { Config } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { createLogger } from "../../src/log.ts";
import { createGateway, type GatewayOptions } from "../../src/server/yoga.ts";
import { type GraphQLResponse, type TestGateway, testConfig } from "./gateway.ts";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** A string or buffer is sent with a Content-Length; an iterable is sent chunked, piece by piece. */
  body?: string | Buffer | Iterable<Buffer | string> | AsyncIterable<Buffer | string>;
}

export interface HttpGateway extends TestGateway {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Any HTTP request, with full control of headers and body (no JSON encoding, no defaults but Host). */
  raw(request: RawRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

export interface HttpGatewayOptions extends Partial<Omit<GatewayOptions, "db" | "config">> {
  config?: Config;
}

/** Starts the gateway on 127.0.0.1:0. Call close() in afterAll. */
export async function startHttpGateway(db: Database, options: HttpGatewayOptions = {}): Promise<HttpGateway> {
  const { config = testConfig, ...rest } = options;
  const gateway = createGateway({ config, db, log: createLogger("silent"), ...rest });
  const server: Server = createServer(gateway);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const raw = (req: RawRequest) => send(port, req);
  return {
    gateway,
    db,
    origin,
    raw,
    token: (role, extra = {}) => issueDevToken(config, { role, ...extra }),
    async query<T>(
      query: string,
      opts: {
        token?: string | undefined;
        variables?: Record<string, unknown>;
        headers?: Record<string, string>;
      } = {},
    ): Promise<GraphQLResponse<T>> {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...opts.headers,
      };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      const res = await raw({ method: "POST", headers, body: JSON.stringify({ query, variables: opts.variables }) });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers))
        if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
      return { status: res.status, headers: h, text: res.text, ...(res.json ?? {}) } as GraphQLResponse<T>;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    const body = req.body;
    if (typeof body === "string" || Buffer.isBuffer(body)) headers["content-length"] = Buffer.byteLength(body);
    const r = httpRequest(
      { host: "127.0.0.1", port, method: req.method ?? "POST", path: req.path ?? "/graphql", headers, agent: false },
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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    // The server may answer (413, 401) and close before the whole body is sent: that is the point of
    // several tests, so a write error after the response is not a failure of the request.
    let answered = false;
    r.on("response", () => {
      answered = true;
    });
    r.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (body === undefined) r.end();
    else if (typeof body === "string" || Buffer.isBuffer(body)) r.end(body);
    else
      void (async () => {
        try {
          for await (const chunk of body as AsyncIterable<Buffer | string>) {
            if (r.destroyed || answered) break;
            if (!r.write(chunk)) await new Promise((ok) => r.once("drain", ok));
          }
        } catch {
          // the server closed the connection: the response (or its absence) tells the test
        }
        r.end();
      })();
  });
}
