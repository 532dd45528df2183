// The running gateway's embedded database, reachable by gerbang's own CLI. PGlite allows one process
// per data directory, so while `serve` holds it, `gerbang audit verify`, `audit seal`, `seed`,
// `migrate status` and `token` speak the PostgreSQL wire protocol to the gateway over a Unix socket
// inside the data directory (a directory only its owner may enter, a socket only its owner may
// open: whoever can connect could read and write the files anyway), through the ordinary pg driver.
//
// Why not @electric-sql/pglite-socket (0.2.17, the one published): it declares exact peer versions
// of an older PGlite and seven of its extensions, and its queue takes only PGlite's per-query lock.
// A socket client's statements could then run inside a transaction the gateway has open (between
// two of its queries), and the gateway's inside a client's. Here a client holds PGlite's transaction
// lock from its first message until it is back at ReadyForQuery outside a transaction, so the
// gateway and each client see each other only as committed transactions, as on a real server.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/** The directory holding the socket, inside the data directory; pg connects with host=<this dir>. */
export const SOCKET_DIR = ".gerbang-socket";
/** libpq's name for a server socket on port 5432, which is where pg looks in a host directory. */
const SOCKET_FILE = ".s.PGSQL.5432";
/** Linux's limit for a socket path (sun_path holds 108 bytes with the final NUL). */
const MAX_SOCKET_PATH = 107;
/**
 * A client that holds the database (in a transaction, or between the messages of one extended
 * query) and sends nothing for this long after its last answer is disconnected, so it cannot stall
 * the gateway.
 */
export const HOLD_TIMEOUT_MS = 30_000;

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

export const socketDirectory = (dataDir: string) => path.join(dataDir, SOCKET_DIR);
export const socketPath = (dataDir: string) => path.join(socketDirectory(dataDir), SOCKET_FILE);

export interface PgliteSocketServer {
  path: string;
  /** Clients waiting for the gateway (or another client) to finish a transaction. */
  waiting(): number;
  close(): Promise<void>;
}

/**
 * Listens on <dataDir>/.gerbang-socket/.s.PGSQL.5432, or says why it cannot (a path too long for a
 * Unix socket). The caller holds the data directory's lock, so a socket found there is a dead
 * process's and is replaced. close() removes the directory again.
 */
export async function listenOnSocket(
  pglite: PGlite,
  dataDir: string,
  options: { holdTimeoutMs?: number } = {},
): Promise<PgliteSocketServer | { unavailable: string }> {
  const file = socketPath(dataDir);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
    return { unavailable: `the socket path ${file} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter DATA_DIR` };
  }
  const dir = socketDirectory(dataDir);
  fs.rmSync(dir, { recursive: true, force: true }); // a dead gateway's, possibly with other permissions
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chmodSync(dir, 0o700); // whatever the umask
  const parameters = await startupParameters(pglite);
  const connections = new Set<Connection>();
  const server = net.createServer((socket) => {
    const connection = new Connection(socket, pglite, parameters, options.holdTimeoutMs ?? HOLD_TIMEOUT_MS, () =>
      connections.delete(connection),
    );
    connections.add(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
  fs.chmodSync(file, 0o600);
  return {
    path: file,
    waiting: () => [...connections].filter((c) => c.waiting).length,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.close()));
      await closed;
      fs.rmSync(dir, { recursive: true, force: true }); // the data directory as it was without a gateway
    },
  };
}

/** A pg connection string for the socket of a data directory (the user and database are not checked). */
export function socketUrl(dataDir: string): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDirectory(dataDir))}`;
}

/** What a server announces after authentication; pg reads none of it, psql shows the version. */
async function startupParameters(pglite: PGlite): Promise<Buffer> {
  const show = async (name: string) =>
    ((await pglite.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name.toLowerCase()] ?? "") as string;
  const values: Array<[string, string]> = [
    ["server_version", await show("server_version")],
    ["server_encoding", "UTF8"],
    ["client_encoding", "UTF8"],
    ["DateStyle", await show("DateStyle")],
    ["TimeZone", await show("TimeZone")],
    ["integer_datetimes", "on"],
    ["standard_conforming_strings", "on"],
  ];
  return Buffer.concat([
    message("R", int32(0)), // AuthenticationOk: the socket's permissions are the authentication
    ...values.map(([k, v]) => message("S", Buffer.from(`${k}\0${v}\0`))),
    message("Z", Buffer.from("I")),
  ]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

const simpleQuery = (sql: string) => message("Q", Buffer.from(`${sql}\0`));
const SYNC = message("S", Buffer.alloc(0));

/** One client: its bytes in, PGlite's answers out, one message at a time, in order. */
class Connection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private queue: Promise<void> = Promise.resolve();
  /** Releases PGlite's transaction lock while this client holds it. */
  private release: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  /** Waiting for PGlite's transaction lock. */
  waiting = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly pglite: PGlite,
    private readonly parameters: Buffer,
    private readonly holdTimeoutMs: number,
    private readonly onEnd: () => void,
  ) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.enqueue(() => this.drain());
    });
    socket.on("error", () => {}); // "close" follows
    socket.on("close", () => this.enqueue(() => this.end()));
  }

  /** Disconnects the client, rolling back what it left open. */
  close(): Promise<void> {
    this.socket.destroy();
    return this.enqueue(() => this.end());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch(() => {
      this.socket.destroy();
    });
    return this.queue;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.ended) return;
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write("N"); // no encryption on a local socket
        } else if (code === PROTOCOL_3) {
          this.started = true;
          this.socket.write(this.parameters);
        } else {
          // A cancel request (PGlite cannot cancel a statement) or an unknown protocol.
          this.socket.destroy();
          return;
        }
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const bytes = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      const type = String.fromCharCode(bytes[0] ?? 0);
      if (type === "X") {
        this.socket.end();
        return; // "close" follows and ends the session
      }
      await this.execute(type, bytes);
    }
  }

  private async execute(type: string, bytes: Buffer): Promise<void> {
    await this.hold();
    await this.pglite.runExclusive(() =>
      this.pglite.execProtocolRawStream(new Uint8Array(bytes), {
        onRawData: (data) => {
          if (!this.socket.destroyed) this.socket.write(data);
        },
      }),
    );
    // Sync and a simple query end with ReadyForQuery: outside a transaction, others may run again.
    if ((type === "S" || type === "Q") && !this.pglite.isInTransaction()) this.letGo();
    else this.timer?.refresh(); // the client's silence counts from its last answer, not its last message
  }

  /** Takes PGlite's transaction lock (the one its own query() and transaction() take) unless held. */
  private async hold(): Promise<void> {
    if (this.timer) this.timer.refresh();
    if (this.release) return;
    this.waiting = true;
    await new Promise<void>((acquired) => {
      void this.pglite._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.release = release;
            this.waiting = false;
            acquired();
          }),
      );
    });
    this.timer = setTimeout(() => this.socket.destroy(), this.holdTimeoutMs);
    this.timer.unref();
  }

  private letGo(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.release?.();
    this.release = undefined;
  }

  /**
   * The client is gone. PGlite has one session, shared with the gateway: end whatever the client
   * left (an extended query without its Sync, an open transaction) and reset what it set (settings,
   * roles, prepared statements, advisory locks) before the gateway's next statement.
   */
  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      if (this.started) {
        await this.hold();
        await this.pglite.runExclusive(async () => {
          await this.pglite.execProtocolRaw(new Uint8Array(SYNC));
          if (this.pglite.isInTransaction()) await this.pglite.execProtocolRaw(new Uint8Array(simpleQuery("ROLLBACK")));
          await this.pglite.execProtocolRaw(new Uint8Array(simpleQuery("DISCARD ALL")));
        });
      }
    } finally {
      this.letGo();
      this.onEnd();
    }
  }
}
