// The audit key of a development install: random, made on first use and kept in the data directory
// (readable by its owner only). A key written in the source would let anyone who reads the source
// forge a consistent trail on any install that forgot to set AUDIT_HMAC_KEY.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const DEV_KEY_FILE = "audit-dev-key";

export function developmentAuditKey(dataDir: string): string {
  const file = path.join(dataDir, DEV_KEY_FILE);
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  try {
    // wx: when two processes start together, one writes and both read what it wrote.
    fs.writeFileSync(file, `${key}\n`, { flag: "wx", mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return fs.readFileSync(file, "utf8").trim();
  }
}
