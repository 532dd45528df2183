// Crafted policy directories for loader tests: a copy of the real policies/ with edits, in a temp
// directory removed after each test, and the loader's problems for it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect } from "vitest";
import { type LoadOptions, loadPolicy, PolicyError } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";

export const REAL_POLICIES = path.resolve("policies");
let dirs: string[] = [];

afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A copy of the real policies with each file's text passed through `edit` (path relative to policies/). */
export function copyWith(edit: (file: string, text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-policy-"));
  dirs.push(dir);
  fs.cpSync(REAL_POLICIES, dir, { recursive: true });
  for (const rel of ["unreachable.yaml", ...fs.readdirSync(path.join(dir, "roles")).map((f) => `roles/${f}`)]) {
    const file = path.join(dir, rel);
    fs.writeFileSync(file, edit(rel, fs.readFileSync(file, "utf8")));
  }
  return dir;
}

/** The problems the loader reports for `dir`; fails the test when the policy loads. */
export function problems(dir: string, against = schema, options: LoadOptions = {}): string[] {
  try {
    loadPolicy(dir, against, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error("the policy loaded");
}
