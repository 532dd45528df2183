// pglite-prisma-adapter 0.7.2 loses a failed COMMIT: its transaction keeps the promise of
// `transaction(...).catch(reject)`, and since the outer promise was already resolved that catch
// swallows the error, so commit() resolves and the caller is told a change was saved that was not
// (a deferred constraint, or a disk error at commit). This factory gives every transaction a
// commit() that awaits the real outcome. It relies on the adapter's internals (pinned version);
// tests/integration/mutations.test.ts covers it with a trigger that fails at commit.
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Transaction as PrismaTransaction, SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

type Adapter = SqlDriverAdapter & { client: PGlite; startTransactionInner: unknown };

function fixTransactions(adapter: Adapter): Adapter {
  // PGliteQueryable.prototype: queryRaw/executeRaw with the adapter's type mapping, bound to a client.
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(adapter)) as object;
  adapter.startTransactionInner = (conn: PGlite, options: PrismaTransaction["options"]) =>
    new Promise<PrismaTransaction>((resolve, reject) => {
      let started = false;
      let finish: () => void = () => {};
      const outcome = conn.transaction(async (tx: Transaction) => {
        started = true;
        const done = new Promise<void>((r) => {
          finish = r;
        });
        const transaction = Object.assign(Object.create(queryable), {
          provider: adapter.provider,
          adapterName: adapter.adapterName,
          client: tx,
          options,
          async commit() {
            finish();
            await outcome; // rejects when COMMIT fails: Prisma then reports the error
          },
          async rollback() {
            await tx.rollback();
            finish();
            await outcome.catch(() => {});
          },
        });
        resolve(transaction as PrismaTransaction);
        return done;
      });
      outcome.catch((error: unknown) => {
        if (!started) reject(error);
      });
    });
  return adapter;
}

export class SafePrismaPGlite extends PrismaPGlite {
  override async connect() {
    return fixTransactions((await super.connect()) as Adapter);
  }
}
