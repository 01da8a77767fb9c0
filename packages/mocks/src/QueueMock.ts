/**
 * A simulated message queue with at-least-once delivery — visibility timeouts, receive counts, dead-letter queues
 * after `maxReceiveCount`, FIFO message groups and deduplication ids — served on `127.0.0.1` in the Amazon SQS JSON
 * protocol, so `@aws-sdk/client-sqs` talks to it unchanged, and usable in process through Effects.
 *
 * Seeded failure switches: duplicate delivery, reordering within a window, delayed delivery, lost acks (a delete
 * that is acknowledged but the message reappears), a broker outage and throttling. Each is also a core `Fault`
 * (`mock.fault(switch)`) so a `FaultSchedule` can turn it on and off. Every send, receive, delete, redelivery and
 * dead-letter move is journalled with its correlation id (the `x-correlation-id` header, or a `correlationId`
 * message attribute), and the consumer verdicts ({@link appliedOnce}, {@link noneLost}, {@link poisonDeadLettered},
 * {@link fifoOrdered}) read that journal and return `Check`s with message ids and receive counts as evidence.
 *
 * Time comes from Effect's `Clock` (drive visibility timeouts with `TestClock` through the Effect API); long polls on
 * the server wait with Node timers. Every random decision comes from `Seed.derive(seed, "mocks/queue/<kind>")`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { QueueMock } from "@24h/mocks"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const mock = yield* QueueMock.make({ seed: 42, queues: [{ name: "orders" }] })
 *     yield* mock.setSwitches([{ kind: "duplicate", rate: 0.1 }])
 *     // new SQSClient({ endpoint: mock.url, region: "us-east-1", credentials: ... }) — or in process:
 *     yield* mock.send("orders", JSON.stringify({ id: 1 }))
 *     const [m] = yield* mock.receive("orders", { max: 10 })
 *     if (m !== undefined) yield* mock.delete("orders", m.receiptHandle)
 *     return QueueMock.noneLost(yield* mock.journal)
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Check, Fault, type Seed } from "@24h/core"
import { Clock, Context, Effect, Layer, Result, type Scope } from "effect"
import type { z } from "zod"
import {
  type JournalEntry as BrokerEntry,
  type Op as BrokerOp,
  Broker as BrokerState,
  type Msg,
  SqsFailure
} from "./internal/queue/broker.ts"
import { makeHandler } from "./internal/queue/server.ts"
import * as Switches from "./internal/queue/switches.ts"
import { seedOption } from "./internal/seed.ts"
import { type MocksError, mocksError } from "./MocksError.ts"

/**
 * A failure switch (zod schema): `duplicate` (`rate`, `delayMs`), `reorder` (`window`), `delay` (`rate`, `minMs`,
 * `maxMs`), `lostAck` (`rate`), `outage` (`rate`, default 1) and `throttle` (`rate`); each may name one `queue` and
 * an `id`.
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * QueueMock.Switch.parse({ kind: "lostAck", rate: 0.05, queue: "orders" })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Switch = Switches.QueueSwitch
/**
 * A validated failure switch.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const outage: QueueMock.Switch = { kind: "outage", rate: 1, queue: "orders" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Switch = Switches.QueueSwitch
/**
 * A failure switch as written by a user (defaults not yet applied).
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const dup: QueueMock.SwitchInput = { kind: "duplicate", rate: 0.2, delayMs: 50 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type SwitchInput = z.input<typeof Switches.QueueSwitch>
/**
 * An active switch: a {@link Switch} with its id.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { QueueMock } from "@24h/mocks"
 * const ids = (mock: QueueMock.QueueMock) => Effect.map(mock.switches, (s) => s.map((x) => x.id))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type ActiveSwitch = Switch & { readonly id: string }

/**
 * What a journal entry records: queue lifecycle, `send`, `send-deduplicated` (FIFO), `receive` (with
 * `redelivery: true` after the first), `delete`, `delete-lost` (a lost ack), `delete-stale` (an old receipt: SQS
 * acknowledges it but keeps the message), `delete-gone`, `visibility`, `duplicate` (a copy made by a switch), `dlq`,
 * `expired`, `purge`, `rejected` (outage or throttle) and switch changes.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const acked: ReadonlyArray<QueueMock.Op> = ["delete", "delete-lost", "delete-stale"]
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Op = BrokerOp

/**
 * One journal entry, with the message id, receive count, group and correlation id where they apply.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const redeliveries = (j: QueueMock.Journal) => j.entries.filter((e) => e.op === "receive" && e.redelivery)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type JournalEntry = BrokerEntry

/**
 * The journal: every entry in order (`seq`), and how many were dropped past `journalLimit` (verdicts say `unknown`
 * when any were).
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const lostAcks = (j: QueueMock.Journal) => j.entries.filter((e) => e.op === "delete-lost").length
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Journal {
  readonly entries: ReadonlyArray<JournalEntry>
  readonly dropped: number
}

/**
 * A queue to create at start: SQS `attributes` (strings, as on the wire: `VisibilityTimeout`, `FifoQueue`,
 * `ContentBasedDeduplication`, `RedrivePolicy`…), or `deadLetter` as a shorthand for the redrive policy (the
 * dead-letter queue must be listed before it).
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const queues: ReadonlyArray<QueueMock.QueueDef> = [
 *   { name: "orders-dlq" },
 *   { name: "orders", attributes: { VisibilityTimeout: "5" }, deadLetter: { queue: "orders-dlq", maxReceiveCount: 3 } }
 * ]
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface QueueDef {
  readonly name: string
  readonly attributes?: Readonly<Record<string, string>>
  readonly deadLetter?: { readonly queue: string; readonly maxReceiveCount: number }
}

/**
 * Options of {@link make}. Defaults: seed 0, port 0 (any free port), region `us-east-1`, journal limit 1,000,000.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const options: QueueMock.Options = { seed: 42, queues: [{ name: "orders" }], switches: [{ kind: "duplicate", rate: 0.1 }] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  readonly seed?: Seed.Root | Seed.Seed
  readonly port?: number
  readonly queues?: ReadonlyArray<QueueDef>
  readonly switches?: ReadonlyArray<SwitchInput>
  readonly region?: string
  readonly journalLimit?: number
}

/**
 * A received message (in process).
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const redelivered = (m: QueueMock.Message) => m.receiveCount > 1
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Message {
  readonly messageId: string
  readonly receiptHandle: string
  readonly body: string
  readonly receiveCount: number
  readonly group: string | undefined
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * Options of an in-process send: `attributes` become `String` message attributes; `correlationId` is journalled.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const fifo: QueueMock.SendOptions = { groupId: "customer-7", deduplicationId: "order-19", correlationId: "req-1" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface SendOptions {
  readonly delaySeconds?: number
  readonly groupId?: string
  readonly deduplicationId?: string
  readonly attributes?: Readonly<Record<string, string>>
  readonly correlationId?: string
}

/**
 * Options of an in-process receive. `waitSeconds` long-polls on the Effect clock.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const longPoll: QueueMock.ReceiveOptions = { max: 10, waitSeconds: 20, visibilityTimeout: 30 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface ReceiveOptions {
  readonly max?: number
  readonly visibilityTimeout?: number
  readonly waitSeconds?: number
}

/**
 * A running queue mock.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { QueueMock } from "@24h/mocks"
 * const drain = (mock: QueueMock.QueueMock) =>
 *   Effect.flatMap(mock.receive("orders", { max: 10 }), (ms) => Effect.forEach(ms, (m) => mock.delete("orders", m.receiptHandle)))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface QueueMock {
  /** The SQS endpoint: pass it as `endpoint` to `new SQSClient({ ... })`. */
  readonly url: string
  readonly port: number
  readonly seed: Seed.Seed
  /** The queue URL of a queue name, as `CreateQueue` and `GetQueueUrl` answer it. */
  readonly queueUrl: (name: string) => string
  readonly createQueue: (
    name: string,
    attributes?: Readonly<Record<string, string>>
  ) => Effect.Effect<string, MocksError>
  readonly send: (
    queue: string,
    body: string,
    options?: SendOptions
  ) => Effect.Effect<{ readonly messageId: string; readonly sequenceNumber: string | undefined }, MocksError>
  readonly receive: (queue: string, options?: ReceiveOptions) => Effect.Effect<ReadonlyArray<Message>, MocksError>
  readonly delete: (queue: string, receiptHandle: string) => Effect.Effect<void, MocksError>
  readonly changeVisibility: (queue: string, receiptHandle: string, seconds: number) => Effect.Effect<void, MocksError>
  readonly attributes: (queue: string) => Effect.Effect<Readonly<Record<string, string>>, MocksError>
  readonly purge: (queue: string) => Effect.Effect<number, MocksError>
  /** Replaces the active switches. */
  readonly setSwitches: (switches: ReadonlyArray<SwitchInput>) => Effect.Effect<ReadonlyArray<ActiveSwitch>, MocksError>
  readonly addSwitch: (s: SwitchInput) => Effect.Effect<ActiveSwitch, MocksError>
  /** Removes a switch; `false` when there was none with that id. */
  readonly removeSwitch: (id: string) => Effect.Effect<boolean>
  readonly clearSwitches: Effect.Effect<void>
  readonly switches: Effect.Effect<ReadonlyArray<ActiveSwitch>>
  readonly journal: Effect.Effect<Journal>
  /**
   * The switch as a core `Fault`: `apply` adds it (with a fixed id), `revert` removes it. Fails with `InvalidSwitch`
   * at once when the switch is invalid.
   */
  readonly fault: (s: SwitchInput, name?: string) => Effect.Effect<Fault.Fault, MocksError>
}

const parseSwitch = (input: unknown, where?: string): Effect.Effect<Switch, MocksError> => {
  const r = Switches.parse(input, where)
  return Result.isSuccess(r)
    ? Effect.succeed(r.success)
    : Effect.fail(mocksError("InvalidSwitch", `QueueMock: ${r.failure.message}`, undefined, r.failure))
}

const toError = (f: SqsFailure): MocksError =>
  mocksError(
    f.status >= 500 || f.code === "RequestThrottled" ? "QueueUnavailable" : "QueueRejected",
    `${f.code}: ${f.message}`,
    { code: f.code }
  )

const listen = (server: ReturnType<typeof createServer>, port: number) =>
  Effect.callback<void, MocksError>((resume) => {
    const onError = (e: Error) =>
      resume(Effect.fail(mocksError("Server", `QueueMock.make: cannot listen on 127.0.0.1:${port}: ${e.message}`, e)))
    server.once("error", onError)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

/** Validates the options of {@link make}. */
const parseOptions = Effect.fnUntraced(function* (options: Options) {
  const seed = yield* seedOption("QueueMock.make", options.seed ?? 0)
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return yield* mocksError("InvalidOptions", `QueueMock.make: port must be an integer in 0..65535 (got ${port})`)
  const journalLimit = options.journalLimit ?? 1_000_000
  if (!Number.isSafeInteger(journalLimit) || journalLimit < 1)
    return yield* mocksError(
      "InvalidOptions",
      `QueueMock.make: journalLimit must be a positive integer (got ${journalLimit})`
    )
  const region = options.region ?? "us-east-1"
  if (!/^[a-z0-9-]+$/.test(region))
    return yield* mocksError(
      "InvalidOptions",
      `QueueMock.make: region must look like "us-east-1" (got ${JSON.stringify(region)})`
    )
  const switches: Array<Switch> = []
  for (const [i, s] of (options.switches ?? []).entries()) switches.push(yield* parseSwitch(s, `switches[${i}]`))
  return { seed, port, journalLimit, region, switches }
})

/** Creates the queues of the options, with `deadLetter` as a redrive policy. */
const createQueues = (broker: BrokerState, queues: ReadonlyArray<QueueDef>, now: number) =>
  Effect.forEach(
    queues,
    (def, i) => {
      const attributes: Record<string, string> = { ...def.attributes }
      if (def.deadLetter !== undefined)
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: broker.arn(def.deadLetter.queue),
          maxReceiveCount: def.deadLetter.maxReceiveCount
        })
      const q = broker.createQueue(def.name, attributes, now, {})
      return q instanceof SqsFailure
        ? Effect.fail(
            mocksError("InvalidOptions", `QueueMock.make: queues[${i}] (${JSON.stringify(def.name)}): ${q.message}`)
          )
        : Effect.void
    },
    { discard: true }
  )

/** Serves the SQS facade on 127.0.0.1 in the current scope; returns the bound port. */
const serveFacade = (broker: BrokerState, now: () => number, port: number) =>
  Effect.gen(function* () {
    const facade = makeHandler({ broker, now })
    const sockets = new Set<Socket>()
    const server = createServer({ keepAliveTimeout: 30_000 }, facade.handle)
    server.on("connection", (s) => {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
    })
    server.on("clientError", (_e, socket) => socket.destroy())
    yield* Effect.acquireRelease(listen(server, port), () =>
      Effect.callback<void>((resume) => {
        facade.close()
        server.close(() => resume(Effect.void))
        for (const s of sockets) s.destroy()
        server.closeAllConnections()
      })
    )
    return (server.address() as AddressInfo).port
  })

const sqs = <A>(f: A | SqsFailure): Effect.Effect<A, MocksError> =>
  f instanceof SqsFailure ? Effect.fail(toError(f)) : Effect.succeed(f)

const toMessage = (d: { readonly msg: Msg; readonly receipt: string }): Message => {
  const attributes: Record<string, string> = {}
  for (const [k, v] of Object.entries(d.msg.attributes)) if (v.StringValue !== undefined) attributes[k] = v.StringValue
  return {
    messageId: d.msg.id,
    receiptHandle: d.receipt,
    body: d.msg.body,
    receiveCount: d.msg.receiveCount,
    group: d.msg.group,
    attributes
  }
}

/** The in-process API over a broker: every operation reads the time from Effect's `Clock`. */
const api = (broker: BrokerState, bound: number, seed: Seed.Seed): QueueMock => {
  const queueOf = (name: string) => sqs(broker.resolve(name))
  const gate = (queue: string | undefined, action: string, t: number) => {
    const r = broker.gate(queue, action, t, {})
    return r === undefined ? Effect.void : Effect.fail(toError(r))
  }
  const receive = (queue: string, o: ReceiveOptions = {}): Effect.Effect<ReadonlyArray<Message>, MocksError> =>
    Effect.gen(function* () {
      const max = o.max ?? 1
      if (!Number.isInteger(max) || max < 1 || max > 10)
        return yield* mocksError("InvalidOptions", `QueueMock.receive: max must be an integer in 1..10 (got ${max})`)
      const wait = o.waitSeconds ?? 0
      if (!(wait >= 0 && wait <= 20))
        return yield* mocksError("InvalidOptions", `QueueMock.receive: waitSeconds must be in 0..20 (got ${wait})`)
      const start = yield* Clock.currentTimeMillis
      const q0 = yield* queueOf(queue)
      yield* gate(q0.name, "ReceiveMessage", start)
      const deadline = start + wait * 1000
      const input = { max, visibilityTimeout: o.visibilityTimeout }
      while (true) {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(q0.name)
        const d = broker.receive(q, input, t, {})
        if (d.length > 0 || t >= deadline) return d.map(toMessage)
        const next = broker.nextVisibleAt(q.name, t)
        const until = next === undefined ? deadline : Math.min(deadline, next)
        yield* Effect.raceFirst(
          Effect.sleep(Math.max(1, until - t)),
          Effect.callback<void>((resume) => {
            const off = broker.onChange(q.name, () => resume(Effect.void))
            return Effect.sync(off)
          })
        )
      }
    })

  const mock: QueueMock = {
    url: broker.endpoint,
    port: bound,
    seed,
    queueUrl: (name) => broker.url(name),
    createQueue: (name, attributes = {}) =>
      Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Effect.andThen(gate(undefined, "CreateQueue", t), sqs(broker.createQueue(name, attributes, t, {}))).pipe(
          Effect.map((q) => broker.url(q.name))
        )
      ),
    send: (queue, body, o = {}) =>
      Effect.gen(function* () {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(queue)
        yield* gate(q.name, "SendMessage", t)
        const attributes: Record<string, { DataType: string; StringValue: string }> = {}
        for (const [k, v] of Object.entries(o.attributes ?? {})) attributes[k] = { DataType: "String", StringValue: v }
        const r = yield* sqs(
          broker.send(
            q,
            {
              body,
              delaySeconds: o.delaySeconds,
              attributes,
              groupId: o.groupId,
              dedupId: o.deduplicationId
            },
            t,
            { correlationId: o.correlationId }
          )
        )
        return { messageId: r.messageId, sequenceNumber: r.sequenceNumber }
      }),
    receive,
    delete: (queue, receipt) =>
      Effect.gen(function* () {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(queue)
        yield* gate(q.name, "DeleteMessage", t)
        const e = broker.delete(q, receipt, t, {})
        if (e !== undefined) return yield* Effect.fail(toError(e))
      }),
    changeVisibility: (queue, receipt, seconds) =>
      Effect.gen(function* () {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(queue)
        yield* gate(q.name, "ChangeMessageVisibility", t)
        const e = broker.changeVisibility(q, receipt, seconds, t, {})
        if (e !== undefined) return yield* Effect.fail(toError(e))
      }),
    attributes: (queue) =>
      Effect.gen(function* () {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(queue)
        return broker.attributes(q, t)
      }),
    purge: (queue) =>
      Effect.gen(function* () {
        const t = yield* Clock.currentTimeMillis
        const q = yield* queueOf(queue)
        return broker.purge(q, t, {})
      }),
    setSwitches: (list) =>
      Effect.gen(function* () {
        const parsed: Array<Switch> = []
        for (const [i, s] of list.entries())
          parsed.push(yield* parseSwitch(s, list.length > 1 ? `switches[${i}]` : "switch"))
        const t = yield* Clock.currentTimeMillis
        for (const s of [...broker.switches]) broker.removeSwitch(s.id, t)
        return parsed.map((s) => broker.addSwitch(s, t))
      }),
    addSwitch: (s) =>
      Effect.gen(function* () {
        const parsed = yield* parseSwitch(s)
        return broker.addSwitch(parsed, yield* Clock.currentTimeMillis)
      }),
    removeSwitch: (id) => Effect.map(Clock.currentTimeMillis, (t) => broker.removeSwitch(id, t)),
    clearSwitches: Effect.flatMap(Clock.currentTimeMillis, (t) =>
      Effect.sync(() => {
        for (const s of [...broker.switches]) broker.removeSwitch(s.id, t)
      })
    ),
    switches: Effect.sync(() => [...broker.switches]),
    journal: Effect.sync(() => broker.snapshot()),
    fault: (s, name) =>
      Effect.gen(function* () {
        const parsed = yield* parseSwitch(s)
        const id = parsed.id ?? `fault-${parsed.kind}-${++faultCount}`
        const withId = { ...parsed, id }
        return Fault.make({
          name: name ?? `queue ${parsed.kind}${parsed.queue === undefined ? "" : ` on ${parsed.queue}`}`,
          target: `queue/${parsed.queue ?? "*"}`,
          details: withId,
          apply: Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void broker.addSwitch(withId, t))),
          revert: Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void broker.removeSwitch(id, t)))
        })
      })
  }
  let faultCount = 0
  return mock
}

/**
 * Starts a queue mock on `127.0.0.1` in the current scope, with the given queues and switches. Invalid options or
 * switches fail before anything listens; when the scope closes, long polls end, sockets are destroyed and the
 * server closes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { QueueMock } from "@24h/mocks"
 *
 * const mock = QueueMock.make({
 *   seed: 7,
 *   queues: [{ name: "jobs-dlq" }, { name: "jobs", deadLetter: { queue: "jobs-dlq", maxReceiveCount: 3 } }],
 *   switches: [{ kind: "lostAck", rate: 0.05 }]
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = Effect.fn("QueueMock.make")(
  (options: Options = {}): Effect.Effect<QueueMock, MocksError, Scope.Scope> =>
    Effect.gen(function* () {
      const o = yield* parseOptions(options)
      const clock = yield* Clock.clockWith((c) => Effect.succeed(c))
      const now = () => clock.currentTimeMillisUnsafe()
      const broker = new BrokerState({
        seed: o.seed,
        region: o.region,
        account: "000000000000",
        journalLimit: o.journalLimit
      })
      yield* createQueues(broker, options.queues ?? [], now())
      for (const s of o.switches) broker.addSwitch(s, now())
      const bound = yield* serveFacade(broker, now, o.port)
      broker.endpoint = `http://127.0.0.1:${bound}`
      return api(broker, bound, o.seed)
    })
)

/**
 * The queue mock as a service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { QueueMock } from "@24h/mocks"
 * const endpoint = Effect.map(QueueMock.Broker, (mock) => mock.url)
 * ```
 *
 * @category services
 * @since 0.2.0
 */
export class Broker extends Context.Service<Broker, QueueMock>()("@24h/mocks/QueueMock/Broker") {}

/**
 * A layer that starts a queue mock for the layer's lifetime.
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * const QueueLive = QueueMock.layer({ seed: 1, queues: [{ name: "orders" }] })
 * ```
 *
 * @category layers
 * @since 0.2.0
 */
export const layer = (options: Options = {}): Layer.Layer<Broker, MocksError> => Layer.effect(Broker, make(options))

// ── consumer verdicts ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Which part of the journal a verdict reads: one `queue` (its sends), or all.
 *
 * @example
 * ```ts
 * import type { QueueMock } from "@24h/mocks"
 * const options: QueueMock.VerdictOptions = { queue: "orders", maxEvidence: 50 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface VerdictOptions {
  readonly queue?: string
  /** Evidence lines listed at most (default 20); the count is always given. */
  readonly maxEvidence?: number
}

interface Life {
  readonly id: string
  readonly queue: string
  readonly group: string | undefined
  readonly sentSeq: number
  receives: number
  deleted: boolean
  deadLettered: boolean
  /** The receive count when it was moved to the dead-letter queue. */
  deadAfter: number
  last: Op
}

const lives = (journal: Journal, queue: string | undefined): Map<string, Life> => {
  const out = new Map<string, Life>()
  for (const e of journal.entries) {
    if (e.messageId === undefined) continue
    if (e.op === "send") {
      if (queue === undefined || e.queue === queue)
        out.set(e.messageId, {
          id: e.messageId,
          queue: e.queue ?? "",
          group: e.group,
          sentSeq: e.seq,
          receives: 0,
          deleted: false,
          deadLettered: false,
          deadAfter: 0,
          last: "send"
        })
      continue
    }
    const l = out.get(e.messageId)
    if (l === undefined) continue
    l.last = e.op
    if (e.op === "receive") l.receives++
    else if (e.op === "delete") l.deleted = true
    else if (e.op === "dlq") {
      l.deadLettered = true
      l.deadAfter = e.receiveCount ?? 0
    }
  }
  return out
}

const cap = (lines: ReadonlyArray<string>, options: VerdictOptions): Array<string> => {
  const max = options.maxEvidence ?? 20
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), `… and ${lines.length - max} more`]
}

const truncated = (name: string, journal: Journal): Check.Check | undefined =>
  journal.dropped > 0
    ? Check.unknown(name, `the journal dropped ${journal.dropped} entries (raise journalLimit)`, { source: "mock" })
    : undefined

/**
 * The consumer applied each message's effect exactly once, despite redelivery: `effects` lists the message id of
 * every effect the consumer applied (a charge, a row). Fails on a message applied twice or more, or deleted without
 * an effect; `unknown` when no message was delivered more than once (idempotency was not exercised).
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * declare const journal: QueueMock.Journal
 * const charged: Array<string> = [] // the consumer pushes the message id of every charge it makes
 * QueueMock.appliedOnce(journal, charged, { queue: "orders" })
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const appliedOnce = (
  journal: Journal,
  effects: ReadonlyArray<string>,
  options: VerdictOptions = {}
): Check.Check => {
  const name = "consumer applies each message exactly once"
  const t = truncated(name, journal)
  if (t !== undefined) return t
  const all = lives(journal, options.queue)
  const counts = new Map<string, number>()
  for (const id of effects) counts.set(id, (counts.get(id) ?? 0) + 1)
  const twice: Array<string> = []
  const none: Array<string> = []
  for (const [id, n] of counts) {
    if (n > 1) twice.push(`${id}: applied ${n}×, received ${all.get(id)?.receives ?? "?"}×`)
  }
  for (const l of all.values())
    if (l.deleted && (counts.get(l.id) ?? 0) === 0) none.push(`${l.id}: deleted, never applied`)
  const redelivered = [...all.values()].filter((l) => l.receives > 1).length
  const evidence = cap([...twice, ...none], options)
  if (twice.length > 0 || none.length > 0)
    return Check.fail(
      name,
      `${twice.length} message(s) applied more than once, ${none.length} deleted without an effect (${redelivered} of ${all.size} delivered more than once)`,
      { source: "mock", evidence }
    )
  if (redelivered === 0)
    return Check.unknown(
      name,
      `no message of ${all.size} was delivered more than once: idempotency was not exercised`,
      {
        source: "mock"
      }
    )
  return Check.pass(name, `${all.size} messages, ${redelivered} delivered more than once, each applied once`, {
    source: "mock",
    evidence: cap(
      [...all.values()].filter((l) => l.receives > 1).map((l) => `${l.id}: received ${l.receives}×, applied once`),
      options
    )
  })
}

/**
 * No message was lost: every sent message was deleted (a real delete, not a lost ack or a stale receipt) or moved
 * to a dead-letter queue. Evidence names each missing message with its receive count and last journalled step.
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * declare const journal: QueueMock.Journal
 * QueueMock.noneLost(journal, { queue: "orders" }).outcome // "pass" when every message was handled
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const noneLost = (journal: Journal, options: VerdictOptions = {}): Check.Check => {
  const name = "no message lost"
  const t = truncated(name, journal)
  if (t !== undefined) return t
  const all = lives(journal, options.queue)
  const missing = [...all.values()].filter((l) => !l.deleted && !l.deadLettered)
  const deleted = [...all.values()].filter((l) => l.deleted).length
  const dead = [...all.values()].filter((l) => l.deadLettered && !l.deleted).length
  if (missing.length > 0)
    return Check.fail(name, `${missing.length} of ${all.size} sent messages were neither deleted nor dead-lettered`, {
      source: "mock",
      evidence: cap(
        missing.map((l) => `${l.id} (${l.queue}): received ${l.receives}×, last step ${l.last}`),
        options
      )
    })
  if (all.size === 0) return Check.unknown(name, "no message was sent", { source: "mock" })
  return Check.pass(name, `${all.size} sent: ${deleted} deleted, ${dead} dead-lettered`, {
    source: "mock",
    evidence: [
      `journal entries: ${journal.entries.length}`,
      `sent ${all.size}, deleted ${deleted}, dead-lettered ${dead}`
    ]
  })
}

/**
 * Poison messages (the ids in `poison`) reached the dead-letter queue, and every other message of the queue was
 * deleted — the poison did not block the rest.
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * declare const journal: QueueMock.Journal
 * declare const poisonId: string
 * QueueMock.poisonDeadLettered(journal, { queue: "jobs", poison: [poisonId] })
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const poisonDeadLettered = (
  journal: Journal,
  options: VerdictOptions & { readonly poison: ReadonlyArray<string> }
): Check.Check => {
  const name = "poison messages are dead-lettered and do not block the rest"
  const t = truncated(name, journal)
  if (t !== undefined) return t
  const all = lives(journal, options.queue)
  const poison = new Set(options.poison)
  const bad: Array<string> = []
  for (const id of poison) {
    const l = all.get(id)
    if (l === undefined)
      bad.push(`${id}: poison message never sent${options.queue === undefined ? "" : ` to ${options.queue}`}`)
    else if (!l.deadLettered) bad.push(`${id}: poison not dead-lettered (received ${l.receives}×, last step ${l.last})`)
  }
  for (const l of all.values()) {
    if (poison.has(l.id)) continue
    if (!l.deleted) bad.push(`${l.id}: healthy message not processed (received ${l.receives}×, last step ${l.last})`)
  }
  if (bad.length > 0)
    return Check.fail(
      name,
      `${bad.length} problem(s) among ${poison.size} poison and ${all.size - poison.size} other messages`,
      {
        source: "mock",
        evidence: cap(bad, options)
      }
    )
  return Check.pass(name, `${poison.size} poison dead-lettered, ${all.size - poison.size} others deleted`, {
    source: "mock",
    evidence: cap(
      [...poison].map((id) => `${id}: dead-lettered after ${all.get(id)?.deadAfter ?? 0} receives`),
      options
    )
  })
}

/**
 * Order was kept within each FIFO message group: the consumer's `processed` message ids (default: the order of the
 * journal's deletes) follow the send order of their group.
 *
 * @example
 * ```ts
 * import { QueueMock } from "@24h/mocks"
 * declare const journal: QueueMock.Journal
 * QueueMock.fifoOrdered(journal, { queue: "payments.fifo" })
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const fifoOrdered = (
  journal: Journal,
  options: VerdictOptions & { readonly processed?: ReadonlyArray<string> } = {}
): Check.Check => {
  const name = "order kept within each FIFO group"
  const t = truncated(name, journal)
  if (t !== undefined) return t
  const all = lives(journal, options.queue)
  const order =
    options.processed ??
    journal.entries
      .filter((e) => e.op === "delete" && e.messageId !== undefined && all.has(e.messageId))
      .map((e) => e.messageId!)
  const seen = new Set<string>()
  const lastSent = new Map<string, { readonly id: string; readonly seq: number }>()
  const bad: Array<string> = []
  const groups = new Set<string>()
  for (const id of order) {
    if (seen.has(id)) continue
    seen.add(id)
    const l = all.get(id)
    if (l === undefined || l.group === undefined) continue
    groups.add(l.group)
    const prev = lastSent.get(l.group)
    if (prev !== undefined && prev.seq > l.sentSeq)
      bad.push(`group ${l.group}: ${id} (sent #${l.sentSeq}) processed after ${prev.id} (sent #${prev.seq})`)
    if (prev === undefined || prev.seq < l.sentSeq) lastSent.set(l.group, { id, seq: l.sentSeq })
  }
  if (bad.length > 0)
    return Check.fail(name, `${bad.length} message(s) out of order`, { source: "mock", evidence: cap(bad, options) })
  if (groups.size === 0) return Check.unknown(name, "no grouped message was processed", { source: "mock" })
  return Check.pass(name, `${seen.size} messages in ${groups.size} groups, each in send order`, {
    source: "mock",
    evidence: [`groups: ${[...groups].slice(0, 20).join(", ")}`]
  })
}
