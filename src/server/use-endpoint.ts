// Which requests may reach GraphQL at all: POST to exactly the endpoint's path. Runs before auth.
//
// Yoga takes a request for GraphQL when its URL merely *ends* with the endpoint (`request.url.endsWith
// ("/graphql")`, or with "/graphql/"), so `/graphql/`, `//graphql`, `/x/graphql` and `/x?y=/graphql`
// were all parsed and validated, while the token check guarded only the exact path. Here every other
// path gets an empty 404 before anything else looks at the request, on the same parsed URL that Yoga
// and the auth step use (a Host header can move that path: node's URL is `http://<Host><path>`).
//
// GET is refused (405) after the token check: a query in the URL lands in proxy and access logs with
// the NIK it looks up, and nothing here needs cacheable GETs. GraphiQL's page (GET text/html, outside
// production) is answered by Yoga before this plugin and its queries are POSTs.
import { createGraphQLError, type Plugin } from "graphql-yoga";

export interface EndpointOptions {
  /** The GraphQL endpoint, matched exactly. */
  graphql: string;
  /** Other exact paths served by plugins after this one (readiness); Yoga answers its health check first. */
  others: readonly string[];
}

export function useEndpoint(options: EndpointOptions): Plugin {
  const paths = new Set([options.graphql, ...options.others]);
  return {
    onRequest({ url, endResponse }) {
      if (!paths.has(url.pathname)) endResponse(new Response(null, { status: 404 }));
    },
    // After every onRequest hook, so after the token check: an anonymous caller sees 401, not 405.
    onRequestParse({ request }) {
      if (request.method !== "POST") {
        throw createGraphQLError("GraphQL requests must be POSTs.", {
          extensions: { code: "METHOD_NOT_ALLOWED", http: { status: 405, headers: { allow: "POST" } } },
        });
      }
    },
  };
}
