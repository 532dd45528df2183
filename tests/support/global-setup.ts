// Runs once before the test files. Tests import the TypeScript sources, but the CLI tests start
// `node bin/gerbang.js`, which runs the build in dist/: rebuild it when any source is newer, so a
// test never exercises yesterday's code.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Written by every build (tsconfig.build.json); its time is the build's time. */
const STAMP = path.join(ROOT, "dist", ".tsbuildinfo");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function buildIsStale(): boolean {
  if (!fs.existsSync(STAMP)) return true;
  const inputs = Math.max(
    newestMtime(path.join(ROOT, "src")),
    fs.statSync(path.join(ROOT, "tsconfig.json")).mtimeMs,
    fs.statSync(path.join(ROOT, "tsconfig.build.json")).mtimeMs,
  );
  return inputs > fs.statSync(STAMP).mtimeMs;
}

export default function setup(): void {
  if (!buildIsStale()) return;
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
  // An incremental build that finds nothing to emit leaves the stamp as it was: mark it current.
  const now = new Date();
  fs.utimesSync(STAMP, now, now);
}
