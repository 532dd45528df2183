// graphql-shield and graphql-middleware, loaded from their CommonJS builds.
// graphql-shield's ES module build imports `isUndefined` from "util", which Node 23 removed, so on
// Node 24 it fails to load (maticzav/graphql-shield#1561; 7.6.5 is its last release). Its CommonJS
// build looks the function up only when chain() or race() rules run, and this policy uses neither.
// graphql-middleware comes from its CommonJS build too: that is the copy shield's middleware is made
// by, and applyMiddleware only recognises middleware of its own copy. Import them from here only.
import { createRequire } from "node:module";
import type * as GraphqlMiddleware from "graphql-middleware";
import type * as GraphqlShield from "graphql-shield";

const require = createRequire(import.meta.url);

export const { allow, rule, shield } = require("graphql-shield") as typeof GraphqlShield;
export const { applyMiddleware } = require("graphql-middleware") as typeof GraphqlMiddleware;
