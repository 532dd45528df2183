// One part of `gerbang audit verify` in a worker thread (see verify.ts): reads and checks the
// entries and access entries of its seq ranges on its own PostgreSQL connection, and posts back its
// counts, its problems and each seal's "seq:hash" lines, which the main thread feeds into the seal
// digests.
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import type { ChainKind } from "./rows.ts";
import { checkPart, type WorkerJob, type WorkerMessage } from "./verify.ts";

const job = workerData as WorkerJob;
const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const client = new pg.Client({ connectionString: job.url });
try {
  await client.connect();
  const members = new Map<string, { kind: ChainKind; sealId: number; lines: string[]; count: number }>();
  const queryRows = async (sql: string, params?: unknown[]) =>
    (await client.query({ text: sql, values: params ?? [], rowMode: "array" })).rows;
  const collect = (kind: ChainKind, sealId: number, lines: string, count: number) => {
    const m = members.get(`${kind}:${sealId}`) ?? { kind, sealId, lines: [], count: 0 };
    m.lines.push(lines);
    m.count += count;
    members.set(`${kind}:${sealId}`, m);
  };
  const entry = await checkPart(queryRows, "entry", job.key, job.seals, job.ranges.entry, collect, (entries) =>
    post({ progress: entries }),
  );
  const access = await checkPart(queryRows, "access", job.key, job.seals, job.ranges.access, collect);
  post({
    done: {
      parts: { entry, access },
      members: [...members.values()].map((m) => [m.kind, m.sealId, m.lines.join(""), m.count]),
    },
  });
} catch (error) {
  post({ failed: (error as Error).message });
} finally {
  await client.end().catch(() => {});
}
