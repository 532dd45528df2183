// Seeding with a progress line; shared by `gerbang seed` and the first start of `gerbang serve`.
import type { Database } from "../db/database.ts";

export async function seedDemoData(db: Database, citizens: number): Promise<void> {
  const { SEEDED_TABLES, seed } = await import("../db/seed.ts");
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastShown = -1;
  const summary = await seed(db.prisma, {
    citizens,
    onProgress: (done, total) => {
      const percent = Math.floor((done / total) * 100);
      if (tty) process.stderr.write(`\rSeeding citizens: ${done}/${total} (${percent}%)`);
      else if (percent >= lastShown + 10 || done === total) {
        process.stderr.write(`Seeding citizens: ${done}/${total} (${percent}%)\n`);
        lastShown = percent;
      }
    },
  });
  if (tty) process.stderr.write("\n");
  // Fresh tables have no planner statistics: without them the first list queries plan joins over
  // every row before applying the page limit (measured 70–100 ms instead of ~4 ms). Only the seeded
  // tables: a database-wide ANALYZE also walks every system catalog, 3-4 times as long on PGlite.
  await db.query(`ANALYZE ${SEEDED_TABLES.map((table) => `"${table}"`).join(", ")}`);
  const counts = Object.entries(summary)
    .map(([table, n]) => `${table} ${n}`)
    .join(", ");
  process.stderr.write(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts}\n`);
}
