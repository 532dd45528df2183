#!/bin/sh
# Prisma's CLI wants a native schema engine that it downloads; we run the wasm engine instead.
echo "The native Prisma schema engine is not used in Gerbang: use npm run db:migrate (or npx gerbang migrate)." >&2
exit 1
