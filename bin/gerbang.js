#!/usr/bin/env node
// `gerbang` / `npx gerbang` / `npm start`: runs the JavaScript build in dist/, made by `npm install`
// (postinstall) or `npm run build`. The command runs in this process, not a child, so a signal sent
// to this process (SIGTERM from a service manager) reaches the server itself.
import fs from "node:fs";
import module from "node:module";

const main = new URL("../dist/main.js", import.meta.url);
if (!fs.existsSync(main)) {
  process.stderr.write("gerbang: the build is missing (dist/main.js): run npm run build\n");
  process.exit(1);
}
// Node 22.1+ keeps compiled code in a cache between runs (under the OS temp directory), which saves
// a good part of each start; older Node has no such call.
module.enableCompileCache?.();
await import(main.href);
