// One part of `gerbang audit verify` in a worker thread (see verify.ts): reads and checks the
// entries of its seq range on its own PostgreSQL connection, and posts back its counts, its first
// problem and each seal's "seq:hash" lines, which the main thread feeds into the seal digests.
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import { checkPart, type WorkerJob, type WorkerMessage } from "./verify.ts";

const job = workerData as WorkerJob;
const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const client = new pg.Client({ connectionString: job.url });
try {
  await client.connect();
  const members = new Map<number, { lines: string[]; count: number }>();
  const part = await checkPart(
    async (sql, params) => (await client.query({ text: sql, values: params ?? [], rowMode: "array" })).rows,
    job.key,
    job.seals,
    job.range,
    (sealId, lines, count) => {
      const m = members.get(sealId) ?? { lines: [], count: 0 };
      m.lines.push(lines);
      m.count += count;
      members.set(sealId, m);
    },
    (entries) => post({ progress: entries }),
  );
  post({ done: { part, members: [...members].map(([id, m]) => [id, m.lines.join(""), m.count]) } });
} catch (error) {
  post({ failed: (error as Error).message });
} finally {
  await client.end().catch(() => {});
}
