/**
 * The system under test: a small bank on PostgreSQL, reached through node `pg` (and, in the scenario, a TcpProxy).
 *
 *   accounts(id int primary key, balance int)      transfers(id text primary key, src, dst, amount)
 *
 * A transfer moves `amount` from `src` to `dst` and journals itself in `transfers`, in one transaction. It ships two
 * ways, behind `mode`:
 * - `correct`: `SELECT … FOR UPDATE` locks both rows (in id order, so two transfers never deadlock), then updates
 *   them from the values it locked.
 * - `lost-update`: read-modify-write at READ COMMITTED — plain `SELECT`s, then `UPDATE … SET balance = <computed>`.
 *   Two concurrent transfers from one account both read the same balance, and the second write erases the first.
 *
 * Each call reports what it saw (`legs`: the balance before and after, per account), so the history recorder can
 * turn a transfer into one operation per account.
 */
import pg from "pg"

export type Mode = "correct" | "lost-update"

export interface Leg {
  readonly account: number
  readonly before: number
  readonly after: number
}

/** How a failed call ended: `fail` — certainly not applied (the server rolled it back); `info` — nobody knows. */
export class CallError extends Error {
  constructor(
    readonly outcome: "fail" | "info",
    message: string
  ) {
    super(message)
  }
}

export interface Bank {
  readonly transfer: (id: string, src: number, dst: number, amount: number) => Promise<ReadonlyArray<Leg>>
  readonly balance: (account: number) => Promise<number>
  readonly end: () => Promise<void>
}

export interface Connection {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
}

/** Creates (or resets) the tables: `accounts` ids 1..count, each holding `initial`. */
export const reset = async (conn: Connection, count: number, initial: number): Promise<void> => {
  const client = new pg.Client({ ...conn })
  await client.connect()
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance int NOT NULL); " +
        "CREATE TABLE IF NOT EXISTS transfers (id text PRIMARY KEY, src int NOT NULL, dst int NOT NULL, amount int NOT NULL); " +
        "TRUNCATE accounts, transfers"
    )
    await client.query("INSERT INTO accounts SELECT g, $1 FROM generate_series(1, $2) AS g", [initial, count])
  } finally {
    await client.end()
  }
}

/** What the database holds afterwards (read directly, not through the proxy). */
export const audit = async (
  conn: Connection
): Promise<{
  readonly balances: ReadonlyMap<number, number>
  readonly journal: ReadonlyMap<string, { src: number; dst: number; amount: number }>
}> => {
  const client = new pg.Client({ ...conn })
  await client.connect()
  try {
    const a = await client.query<{ id: number; balance: number }>("SELECT id, balance FROM accounts ORDER BY id")
    const t = await client.query<{ id: string; src: number; dst: number; amount: number }>(
      "SELECT id, src, dst, amount FROM transfers"
    )
    return {
      balances: new Map(a.rows.map((r) => [r.id, r.balance])),
      journal: new Map(t.rows.map((r) => [r.id, { src: r.src, dst: r.dst, amount: r.amount }]))
    }
  } finally {
    await client.end()
  }
}

const classify = (e: unknown, committing: boolean): CallError => {
  const err = e as { code?: unknown; message?: string }
  // A server-reported SQL error before COMMIT aborted the transaction: it certainly did not happen.
  if (typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code) && !committing) {
    return new CallError("fail", `${err.code}: ${err.message}`)
  }
  return new CallError("info", err.message ?? String(e))
}

/** Why a transfer is refused before it reaches the database (both modes validate), or `undefined`. */
export const invalid = (id: unknown, src: unknown, dst: unknown, amount: unknown): string | undefined => {
  const account = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1
  if (typeof id !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(id))
    return `id: expected 1-64 of [A-Za-z0-9._-] (got ${JSON.stringify(id)})`
  if (!account(src)) return `src: expected an account id ≥ 1 (got ${JSON.stringify(src)})`
  if (!account(dst)) return `dst: expected an account id ≥ 1 (got ${JSON.stringify(dst)})`
  if (src === dst) return `dst: must differ from src (got ${JSON.stringify(dst)} twice)`
  if (!Number.isSafeInteger(amount) || (amount as number) < 1 || (amount as number) > 10_000)
    return `amount: expected an integer in 1..10000 (got ${JSON.stringify(amount)})`
  return undefined
}

export const make = (conn: Connection, mode: Mode, options: { readonly timeoutMs?: number } = {}): Bank => {
  const timeoutMs = options.timeoutMs ?? 1500
  const pool = new pg.Pool({
    ...conn,
    max: 16,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 1000
  })
  // A connection the proxy resets while idle in the pool must not crash the process.
  pool.on("error", () => {})
  // …nor one reset while checked out between two queries (the next query then fails, and is classified).
  pool.on("connect", (client) => client.on("error", () => {}))

  type Query = <R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: Array<unknown>
  ) => Promise<pg.QueryResult<R>>

  const withClient = async <A>(f: (query: Query) => Promise<A>, inTransaction: boolean): Promise<A> => {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (e) {
      throw new CallError("fail", `connect: ${(e as Error).message}`)
    }
    let committing = false
    const query: Query = (text, values) => {
      if (text === "COMMIT") committing = true
      return client.query(text, values)
    }
    try {
      const out = await f(query)
      client.release()
      return out
    } catch (e) {
      const error = classify(e, committing)
      if (inTransaction && error.outcome === "fail") {
        // The server aborted the transaction; end it so the connection can be reused.
        await client.query("ROLLBACK").then(
          () => client.release(),
          (err: Error) => client.release(err)
        )
      } else {
        client.release(e as Error) // unknown state: destroy the connection
      }
      throw error
    }
  }

  const correct = (id: string, src: number, dst: number, amount: number) =>
    withClient(async (q) => {
      await q("BEGIN")
      const rows = await q<{ id: number; balance: number }>(
        "SELECT id, balance FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        [[src, dst]]
      )
      const before = new Map(rows.rows.map((r) => [r.id, r.balance]))
      const legs: Array<Leg> = [
        { account: src, before: before.get(src)!, after: before.get(src)! - amount },
        { account: dst, before: before.get(dst)!, after: before.get(dst)! + amount }
      ]
      for (const leg of legs) await q("UPDATE accounts SET balance = $2 WHERE id = $1", [leg.account, leg.after])
      await q("INSERT INTO transfers VALUES ($1, $2, $3, $4)", [id, src, dst, amount])
      await q("COMMIT")
      return legs
    }, true)

  const lostUpdate = (id: string, src: number, dst: number, amount: number) =>
    withClient(async (q) => {
      await q("BEGIN ISOLATION LEVEL READ COMMITTED")
      const read = async (account: number) =>
        (await q<{ balance: number }>("SELECT balance FROM accounts WHERE id = $1", [account])).rows[0]!.balance
      const a = await read(src)
      const b = await read(dst)
      const legs: Array<Leg> = [
        { account: src, before: a, after: a - amount },
        { account: dst, before: b, after: b + amount }
      ]
      for (const leg of legs) await q("UPDATE accounts SET balance = $2 WHERE id = $1", [leg.account, leg.after])
      await q("INSERT INTO transfers VALUES ($1, $2, $3, $4)", [id, src, dst, amount])
      await q("COMMIT")
      return legs
    }, true)

  return {
    transfer: (id, src, dst, amount) => {
      const problem = invalid(id, src, dst, amount)
      return problem === undefined
        ? (mode === "correct" ? correct : lostUpdate)(id, src, dst, amount)
        : Promise.reject(new CallError("fail", problem))
    },
    balance: (account) =>
      withClient(
        async (q) =>
          (await q<{ balance: number }>("SELECT balance FROM accounts WHERE id = $1", [account])).rows[0]!.balance,
        false
      ),
    end: () => pool.end()
  }
}
