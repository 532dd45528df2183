// Integration tests talk to the gateway through HTTP semantics (yoga.fetch), never to resolvers.
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { createLogger } from "../../src/log.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/server/yoga.ts";

/** A fixed audit key: without one, config would make a random key in the working directory's ./data. */
export const TEST_AUDIT_KEY = "test-audit-key-of-the-test-suite-0123456789";
export const testConfig: Config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", AUDIT_HMAC_KEY: TEST_AUDIT_KEY });

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
  headers: Headers;
  text: string;
}

export interface TestGateway {
  gateway: Gateway;
  db: Database;
  /** A development token for a role (with optional agency/region/purposes). */
  token(
    role: string,
    extra?: { agency?: string; region?: string; purposes?: string[]; subject?: string },
  ): Promise<string>;
  /** POST /graphql with a token (or none) and extra headers. */
  query<T = Record<string, unknown>>(
    query: string,
    options?: { token?: string | undefined; variables?: Record<string, unknown>; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
}

export function testGateway(
  db: Database,
  config: Config = testConfig,
  options: Pick<GatewayOptions, "limits" | "policy" | "monitor" | "log"> = {},
): TestGateway {
  const gateway = createGateway({ config, db, log: createLogger("silent"), ...options });
  return {
    gateway,
    db,
    token: (role, extra = {}) => issueDevToken(config, { role, ...extra }),
    async query(query, options = {}) {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...options.headers,
      };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await gateway.fetch("http://gerbang.test/graphql", {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables: options.variables }),
      });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // left empty: the test sees `text`
      }
      return { status: response.status, headers: response.headers, text, ...body } as GraphQLResponse<never>;
    },
  };
}
