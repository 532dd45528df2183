// A migrated, empty PGlite data directory, made once by `npm run build` in dist/pglite-template/, that
// openDatabase copies into a new DATA_DIR instead of creating a database there. Creating a PGlite
// database (initdb, in WebAssembly) and migrating it takes several seconds; copying its files takes a
// fraction of one, and gives the same database (a PostgreSQL data directory can be moved). The copy is
// used only when the template was made by the installed PGlite from the migrations as they are now;
// otherwise the database is created and migrated as before.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMigratedPglite, migrationChecksums, type PrismaPaths } from "./migrator.ts";

/** The build's template; tests make their own elsewhere. Beside it, `<dir>.json` says what it was made from. */
const BUILD_TEMPLATE = fileURLToPath(new URL("../../dist/pglite-template", import.meta.url));

interface Stamp {
  pglite: string;
  /** Each migration's name and checksum, in order. */
  migrations: Array<[string, string]>;
}

async function currentStamp(paths: PrismaPaths | undefined): Promise<Stamp> {
  // The package exports no package.json; its entry point sits in dist/, one level below it.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as {
    version: string;
  };
  return { pglite: manifest.version, migrations: await migrationChecksums(paths) };
}

const stampFile = (templateDir: string) => `${templateDir}.json`;

/** Written only once the template is complete. */
function writtenStamp(templateDir: string): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(stampFile(templateDir), "utf8")) as Stamp;
  } catch {
    return undefined;
  }
}

const sameStamp = (a: Stamp | undefined, b: Stamp) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Copies the template into `dataDir`, which must hold no database yet, when the template is current.
 * Returns false (and leaves `dataDir` as it was) when there is none or it is out of date.
 */
export async function copyPgliteTemplate(
  dataDir: string,
  templateDir = BUILD_TEMPLATE,
  paths?: PrismaPaths,
): Promise<boolean> {
  if (!sameStamp(writtenStamp(templateDir), await currentStamp(paths))) return false;
  const before = new Set(fs.readdirSync(dataDir));
  try {
    fs.cpSync(templateDir, dataDir, { recursive: true });
    return true;
  } catch {
    // The template went away under us (a build replacing it): undo the partial copy, create instead.
    for (const name of fs.readdirSync(dataDir)) {
      if (!before.has(name)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
    }
    return false;
  }
}

/** Makes the template unless the one in dist/ is current; `npm run build` runs this after tsc. */
export async function buildPgliteTemplate(
  templateDir = BUILD_TEMPLATE,
  paths?: PrismaPaths,
): Promise<"current" | "built"> {
  const stamp = await currentStamp(paths);
  if (sameStamp(writtenStamp(templateDir), stamp) && fs.existsSync(templateDir)) return "current";
  fs.rmSync(stampFile(templateDir), { force: true });
  const scratch = `${templateDir}.tmp-${process.pid}`;
  try {
    await createMigratedPglite(scratch, paths);
    fs.rmSync(templateDir, { recursive: true, force: true });
    fs.renameSync(scratch, templateDir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.writeFileSync(stampFile(templateDir), `${JSON.stringify(stamp, null, 2)}\n`);
  return "built";
}
