// The second step of `npm run build`: the migrated, empty PGlite data directory that a first
// `gerbang serve` copies instead of creating a database (see src/db/pglite-template.ts).
import { buildPgliteTemplate } from "../dist/db/pglite-template.js";

const started = Date.now();
const outcome = await buildPgliteTemplate();
console.log(`PGlite template (dist/pglite-template): ${outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
