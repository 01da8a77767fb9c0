/**
 * An order-processing consumer that uses the official SQS client against `QueueMock`, tested with two pipelines —
 * a baseline, and a chaos pipeline whose `FaultSchedule` turns on duplicate delivery, lost acks and a broker outage
 * — with the mock's consumer verdicts as pipeline checks, and a finding filed for every check that fails.
 *
 *   npx tsx --conditions=@24h/source examples/orders-queue/main.ts            # the naive consumer: caught
 *   npx tsx --conditions=@24h/source examples/orders-queue/main.ts --idempotent
 */

import { type Check, Load, Pipeline } from "@24h/core"
import { type Finding, FromRun, Ledger } from "@24h/findings"
import { QueueMock } from "@24h/mocks"
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { Effect, Layer, Schedule } from "effect"

// ---------------------------------------------------------------------------------------------- the consumer under test

/** One charge the consumer made: the order, and the message that caused it. */
export interface Charge {
  readonly orderId: string
  readonly messageId: string
  readonly amountMinor: number
}

/**
 * The system under test: receives `OrderPlaced` messages, charges each order, deletes the message. The idempotent
 * consumer remembers the orders it charged and skips a redelivered one; the naive one charges again.
 */
export const orderConsumer = (sqs: SQSClient, queueUrl: string, options: { readonly idempotent: boolean }) => {
  const charges: Array<Charge> = []
  const charged = new Set<string>()
  const pollOnce = async () => {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })
    )
    const messages = r.Messages ?? []
    for (const m of messages) {
      const order = JSON.parse(m.Body ?? "{}") as { orderId: string; amountMinor: number }
      if (options.idempotent && charged.has(order.orderId)) continue
      charged.add(order.orderId)
      charges.push({ orderId: order.orderId, messageId: m.MessageId!, amountMinor: order.amountMinor })
    }
    if (messages.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! }))
        })
      )
    return messages.length
  }
  /** Polls with `workers` loops until `done()` says so and the queue is empty, or `deadlineMs` passes. */
  const runUntil = async (done: () => boolean, workers: number, deadlineMs: number) => {
    const until = Date.now() + deadlineMs
    const empty = async () => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }))
      const n = (
        k:
          | "ApproximateNumberOfMessages"
          | "ApproximateNumberOfMessagesNotVisible"
          | "ApproximateNumberOfMessagesDelayed"
      ) => Number(a.Attributes?.[k] ?? "0")
      return (
        n("ApproximateNumberOfMessages") +
          n("ApproximateNumberOfMessagesNotVisible") +
          n("ApproximateNumberOfMessagesDelayed") ===
        0
      )
    }
    const loop = async () => {
      while (Date.now() < until) {
        try {
          const got = await pollOnce()
          if (got === 0 && done() && (await empty())) return
        } catch {
          // The broker is down or throttling beyond the SDK's retries: back off and poll again, as a worker would.
          await new Promise((resume) => setTimeout(resume, 100))
        }
      }
    }
    await Promise.all(Array.from({ length: workers }, loop))
  }
  return { charges, runUntil }
}

// ---------------------------------------------------------------------------------------------- the pipelines

const QUEUE = "orders"

const sqsClient = (endpoint: string) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new SQSClient({
          endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "test", secretAccessKey: "test" },
          maxAttempts: 8 // 503s and throttling are retried with the SDK's own backoff (about 100 ms in all)
        })
    ),
    (c) => Effect.sync(() => c.destroy())
  )

/** One pipeline against a fresh mock: a producer load sends orders, the consumer drains them, the verdicts judge. */
const orderPipeline = (
  kind: "baseline" | "chaos",
  options: { readonly seed: number; readonly idempotent: boolean; readonly orders: number }
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({
        seed: options.seed,
        queues: [{ name: QUEUE, attributes: { VisibilityTimeout: "1" } }]
      })
      const sqs = yield* sqsClient(mock.url)
      const queueUrl = mock.queueUrl(QUEUE)
      const consumer = orderConsumer(sqs, queueUrl, { idempotent: options.idempotent })
      const loadMs = 1500
      let started = 0
      // The producer retries past the SDK's own attempts (they span ~100 ms; an outage lasts longer).
      const sendOrder: Load.Iteration = (ctx) =>
        Effect.tryPromise(() =>
          sqs.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: JSON.stringify({ orderId: `ord-${ctx.index}`, amountMinor: 1000 + ctx.index }),
              MessageAttributes: { correlationId: { DataType: "String", StringValue: ctx.correlationId } }
            })
          )
        ).pipe(
          Effect.retry(Schedule.exponential("50 millis").pipe(Schedule.jittered, Schedule.upTo({ times: 8 }))),
          Effect.as(true),
          Effect.catch(() => Effect.succeed(false)) // still failing: an error of the load
        )
      const faults =
        kind === "chaos"
          ? [
              {
                fault: yield* mock.fault({ kind: "duplicate", rate: 0.2 }, "duplicate delivery 20%"),
                at: 0,
                duration: "2500ms"
              },
              {
                fault: yield* mock.fault({ kind: "lostAck", rate: 0.1 }, "lost acks 10%"),
                at: "300ms",
                duration: "1s"
              },
              { fault: yield* mock.fault({ kind: "outage" }, "broker outage"), at: "800ms", duration: "250ms" }
            ]
          : []
      const verdicts = Effect.map(
        mock.journal,
        (journal): ReadonlyArray<Check.Check> => [
          QueueMock.noneLost(journal, { queue: QUEUE }),
          ...(kind === "chaos"
            ? [
                QueueMock.appliedOnce(
                  journal,
                  consumer.charges.map((c) => c.messageId),
                  { queue: QUEUE }
                )
              ]
            : [])
        ]
      )
      const spec: Pipeline.Spec = {
        name: `orders (${options.idempotent ? "idempotent" : "naive"} consumer)`,
        load: {
          model: Load.constantRate({
            rate: options.orders / (loadMs / 1000),
            duration: loadMs,
            maxIterations: options.orders
          }),
          iteration: sendOrder
        },
        ...(faults.length > 0 ? { faults } : {}),
        method: () =>
          Effect.promise(() => {
            started = Date.now()
            // Done once the producer and every fault window are over; then drain the queue.
            return consumer.runUntil(() => Date.now() - started > 2600, 4, 30_000)
          }),
        checks: [verdicts],
        thresholds: ["errorRate == 0"]
      }
      const result = yield* kind === "chaos" ? Pipeline.chaos(spec) : Pipeline.baseline(spec)
      return { result, charges: consumer.charges }
    })
  )

/**
 * Files a finding for every failed check and threshold of the results; a double charge is a silent failure (the
 * consumer "succeeded"), so it is filed as one, with high severity.
 */
const fileFindings = (results: ReadonlyArray<Pipeline.Result>, seed: number) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const context: FromRun.Context = {
      entryId: "orders-queue",
      agent: "examples/orders-queue",
      replay: `H24_SEED=${seed} npx tsx --conditions=@24h/source examples/orders-queue/main.ts`,
      seed,
      component: "order consumer"
    }
    const filed: Array<Finding.Finding> = []
    for (const r of results) {
      for (const c of r.checks.filter((x) => x.outcome === "fail")) {
        const doubleCharge = c.name === "consumer applies each message exactly once"
        const options = doubleCharge ? { type: "silent_failure" as const, severity: "high" as const } : {}
        filed.push(yield* ledger.add(FromRun.check(r, c, context, options)))
      }
      const missed = FromRun.thresholds(r, context)
      if (missed !== undefined) filed.push(yield* ledger.add(missed))
    }
    return filed
  })

/** Runs the baseline and the chaos pipeline for one consumer and files findings. */
export const program = (options: { readonly seed: number; readonly idempotent: boolean; readonly orders?: number }) =>
  Effect.gen(function* () {
    const o = { ...options, orders: options.orders ?? 150 }
    const baseline = yield* orderPipeline("baseline", o)
    const chaos = yield* orderPipeline("chaos", o)
    const results = [baseline.result, chaos.result]
    const findings = yield* fileFindings(results, o.seed)
    return { results, findings, charges: chaos.charges }
  }).pipe(Effect.provide(Layer.fresh(Ledger.layerMemory())))

if (import.meta.url === `file://${process.argv[1]}`) {
  const idempotent = process.argv.includes("--idempotent")
  const r = await Effect.runPromise(program({ seed: 42, idempotent }))
  for (const p of r.results)
    process.stdout.write(
      `${p.kind} ${p.name}: ${p.verdict}\n${p.checks.map((c) => `  ${c.outcome} ${c.name}: ${c.message}`).join("\n")}\n`
    )
  for (const f of r.findings) process.stdout.write(`${f.id} [${f.severity}] ${f.title}\n`)
}
