// The socket through which gerbang's CLI reaches a running gateway's embedded database
// (src/db/pglite-socket.ts). PGlite has one session, shared by the gateway and every socket client:
// these tests pin that they still see each other only as committed transactions, that a client
// cannot leave the session changed for the gateway, and that only the owner may connect.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listenOnSocket, type PgliteSocketServer, socketDirectory, socketUrl } from "../../src/db/pglite-socket.ts";

/** A promise and whether it has settled yet, read without waiting. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  return { promise: watched, settled: () => done };
}

describe("the CLI socket of an embedded gateway", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-socket-"));
  let pglite: PGlite;
  let server: PgliteSocketServer;
  const clients: pg.Client[] = [];

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: socketUrl(dataDir) });
    await c.connect();
    clients.push(c);
    return c;
  }
  const count = async () => (await pglite.query<{ n: number }>("SELECT count(*)::int AS n FROM t")).rows[0]?.n;

  beforeAll(async () => {
    pglite = new PGlite();
    await pglite.exec("CREATE TABLE t (x int)");
    const listening = await listenOnSocket(pglite, dataDir);
    if ("unavailable" in listening) throw new Error(listening.unavailable);
    server = listening;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
    await pglite.exec("DELETE FROM t");
  });
  afterAll(async () => {
    await server?.close();
    await pglite?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("is a socket only its owner may open, in a directory only its owner may enter", () => {
    expect(fs.statSync(socketDirectory(dataDir)).mode & 0o777).toBe(0o700);
    const socket = fs.statSync(server.path);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it("answers queries with parameters, as PostgreSQL would", async () => {
    const c = await client();
    await c.query("INSERT INTO t VALUES ($1), ($2)", [1, 2]);
    expect((await c.query({ text: "SELECT x FROM t ORDER BY x", rowMode: "array" })).rows).toEqual([[1], [2]]);
    await expect(c.query("SELECT nothing FROM t")).rejects.toThrow(/column "nothing" does not exist/);
    expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("keeps the gateway out of a client's open transaction until it commits", async () => {
    const c = await client();
    await c.query("BEGIN");
    await c.query("INSERT INTO t VALUES (1)");
    const gateway = watch(count());
    await c.query("SELECT 1"); // a round trip later, the gateway's query still waits
    expect(gateway.settled()).toBe(false);
    await c.query("COMMIT");
    expect(await gateway.promise).toBe(1);
  });

  it("keeps a client out of the gateway's open transaction until it commits", async () => {
    let finish = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const c = await client();
    let inside = () => {};
    const started = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const transaction = pglite.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (1)");
      inside();
      await gate;
      await tx.query("INSERT INTO t VALUES (2)");
    });
    await started;
    const read = watch(c.query<{ n: number }>("SELECT count(*)::int AS n FROM t"));
    while (server.waiting() === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(read.settled()).toBe(false);
    finish();
    await transaction;
    expect((await read.promise).rows).toEqual([{ n: 2 }]);
  });

  it("disconnects a client that holds the database and goes silent, so the gateway goes on", async () => {
    fs.mkdirSync(path.join(dataDir, "quick"));
    const quick = await listenOnSocket(pglite, path.join(dataDir, "quick"), { holdTimeoutMs: 50 });
    if ("unavailable" in quick) throw new Error(quick.unavailable);
    try {
      const c = new pg.Client({ connectionString: socketUrl(path.join(dataDir, "quick")) });
      c.on("error", () => {});
      await c.connect();
      await c.query("BEGIN");
      await c.query("INSERT INTO t VALUES (1)");
      // The gateway waits for the client's transaction, which is rolled back when the client is cut off.
      expect(await count()).toBe(0);
      await expect(c.query("COMMIT")).rejects.toThrow();
    } finally {
      await quick.close();
    }
  });

  it("rolls back what a client that disappears left open, and resets what it set", async () => {
    const [before] = (await pglite.query<{ search_path: string }>("SHOW search_path")).rows;
    const c = await client();
    await c.query("SET search_path = nowhere");
    await c.query("BEGIN");
    await c.query("INSERT INTO public.t VALUES (1)");
    c.on("error", () => {}); // "Connection terminated unexpectedly": what this test does
    const closed = new Promise((resolve) => c.once("end", resolve));
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await closed;
    expect(await count()).toBe(0);
    const [after] = (await pglite.query<{ search_path: string }>("SHOW search_path")).rows;
    expect(after).toEqual(before);
  });
});
