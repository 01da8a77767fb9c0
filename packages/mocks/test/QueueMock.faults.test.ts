import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { QueueMock } from "../src/index.ts"

const clientFor = (mock: QueueMock.QueueMock) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new SQSClient({
          endpoint: mock.url,
          region: "us-east-1",
          credentials: { accessKeyId: "test", secretAccessKey: "test" },
          // Outages and throttling are retried by the SDK; give it room to ride out a short outage window.
          maxAttempts: 12
        })
    ),
    (c) => Effect.sync(() => c.destroy())
  )

interface ConsumeOptions {
  readonly queueUrl: string
  readonly total: number
  readonly idempotent: boolean
  readonly consumers: number
  readonly deadlineMs: number
}

/**
 * Consumers that receive in batches of 10, apply an effect per message (recording the message id in `effects`) and
 * delete in batches. The idempotent one skips message ids it already applied. Stops when the queue is empty after
 * every sent message was seen, or at the deadline.
 */
const consume = async (sqs: SQSClient, o: ConsumeOptions, producing: () => boolean) => {
  const effects: Array<string> = []
  const applied = new Set<string>()
  const until = Date.now() + o.deadlineMs
  const drained = async () => {
    if (producing() || applied.size < o.total) return false
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: o.queueUrl, AttributeNames: ["All"] }))
    const n = (k: QueueAttributeName) => Number(a.Attributes?.[k] ?? "0")
    return (
      n("ApproximateNumberOfMessages") +
        n("ApproximateNumberOfMessagesNotVisible") +
        n("ApproximateNumberOfMessagesDelayed") ===
      0
    )
  }
  const worker = async () => {
    for (let round = 0; round < 100_000 && Date.now() < until; round++) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: o.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })
      )
      const got: ReadonlyArray<Message> = r.Messages ?? []
      if (got.length === 0) {
        if (await drained()) return
        continue
      }
      for (const m of got) {
        if (o.idempotent && applied.has(m.MessageId!)) continue
        applied.add(m.MessageId!)
        effects.push(m.MessageId!)
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: o.queueUrl,
          Entries: got.map((m, i) => ({ Id: `e${i}`, ReceiptHandle: m.ReceiptHandle! }))
        })
      )
    }
  }
  await Promise.all(Array.from({ length: o.consumers }, worker))
  return effects
}

const produce = async (sqs: SQSClient, queueUrl: string, total: number, concurrency: number) => {
  const sent: Array<string> = []
  let next = 0
  const worker = async () => {
    while (next < total) {
      const start = next
      next = Math.min(total, next + 10)
      const Entries = Array.from({ length: next - start }, (_, i) => ({
        Id: `m${i}`,
        MessageBody: JSON.stringify({ order: start + i })
      }))
      const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }))
      if ((r.Failed ?? []).length > 0) throw new Error(`batch from ${start} failed: ${JSON.stringify(r.Failed)}`)
      for (const s of r.Successful ?? []) sent.push(s.MessageId!)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return sent
}

describe("QueueMock under faults", () => {
  it.live("a non-idempotent consumer is caught under duplicate delivery; an idempotent one passes", () =>
    Effect.gen(function* () {
      const verdictFor = (idempotent: boolean) =>
        Effect.scoped(
          Effect.gen(function* () {
            const mock = yield* QueueMock.make({
              seed: 11,
              queues: [{ name: "orders" }],
              switches: [{ kind: "duplicate", rate: 0.3 }]
            })
            const sqs = yield* clientFor(mock)
            const queueUrl = mock.queueUrl("orders")
            let producing = true
            const sent = yield* Effect.promise(() =>
              produce(sqs, queueUrl, 200, 2).finally(() => {
                producing = false
              })
            )
            const effects = yield* Effect.promise(() =>
              consume(
                sqs,
                { queueUrl, total: sent.length, idempotent, consumers: 2, deadlineMs: 30_000 },
                () => producing
              )
            )
            const journal = yield* mock.journal
            return { verdict: QueueMock.appliedOnce(journal, effects, { queue: "orders" }), journal }
          })
        )
      const naive = yield* verdictFor(false)
      assert.strictEqual(naive.verdict.outcome, "fail")
      assert.match(naive.verdict.message, /applied more than once/)
      assert.match(naive.verdict.evidence![0]!, /^[0-9a-f-]{36}: applied 2×, received 2×$/)
      const careful = yield* verdictFor(true)
      assert.strictEqual(careful.verdict.outcome, "pass")
      assert.isAbove(careful.journal.entries.filter((e) => e.op === "duplicate").length, 0)
      assert.strictEqual(QueueMock.noneLost(careful.journal, { queue: "orders" }).outcome, "pass")
    })
  )

  it.live(
    "10,000 messages through duplicates, reordering, delays, lost acks, throttling and an outage: none lost, per the journal",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const mock = yield* QueueMock.make({
            seed: 10_000,
            queues: [{ name: "orders", attributes: { VisibilityTimeout: "1" } }],
            switches: [
              { kind: "duplicate", rate: 0.05 },
              { kind: "reorder", window: 20 },
              { kind: "delay", rate: 0.05, minMs: 0, maxMs: 200 },
              { kind: "lostAck", rate: 0.05 },
              { kind: "throttle", rate: 0.02 }
            ]
          })
          const sqs = yield* clientFor(mock)
          const queueUrl = mock.queueUrl("orders")
          const outage = yield* mock.fault({ kind: "outage", queue: "orders" }, "broker outage")
          let producing = true
          const producer = Effect.promise(() =>
            produce(sqs, queueUrl, 10_000, 4).finally(() => {
              producing = false
            })
          )
          // A short outage in the middle of the run, on and off through the core Fault interface.
          const window = Effect.gen(function* () {
            yield* Effect.sleep("300 millis")
            yield* outage.apply
            yield* Effect.sleep("200 millis")
            yield* outage.revert
          })
          const consumer = Effect.promise(() =>
            consume(
              sqs,
              { queueUrl, total: 10_000, idempotent: true, consumers: 4, deadlineMs: 120_000 },
              () => producing
            )
          )
          const [sent, effects] = yield* Effect.all([producer, consumer, window], { concurrency: "unbounded" })
          const journal = yield* mock.journal
          const count = (op: QueueMock.Op) => journal.entries.filter((e) => e.op === op).length
          assert.strictEqual(new Set(sent).size, 10_000)
          assert.strictEqual(count("send"), 10_000)
          // Every fault actually happened.
          for (const op of ["duplicate", "delete-lost", "rejected"] as const) assert.isAbove(count(op), 0, op)
          assert.isAbove(
            journal.entries.filter((e) => e.op === "rejected" && e.fault?.startsWith("fault-outage")).length,
            0
          )
          const lost = QueueMock.noneLost(journal, { queue: "orders" })
          assert.strictEqual(lost.outcome, "pass", JSON.stringify(lost))
          assert.deepStrictEqual(lost.evidence?.[1], "sent 10000, deleted 10000, dead-lettered 0")
          assert.strictEqual(QueueMock.appliedOnce(journal, effects, { queue: "orders" }).outcome, "pass")
          const sentIds = new Set(journal.entries.filter((e) => e.op === "send").map((e) => e.messageId))
          assert.isTrue(sent.every((id) => sentIds.has(id)))
        })
      ),
    180_000
  )
})

describe("QueueMock in process, on the Effect clock", () => {
  it.effect("visibility timeouts expire on TestClock, and redelivery bumps the receive count", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({
        seed: 1,
        queues: [{ name: "jobs", attributes: { VisibilityTimeout: "30" } }]
      })
      const { messageId } = yield* mock.send("jobs", "work", { correlationId: "c-1" })
      const [first] = yield* mock.receive("jobs")
      assert.strictEqual(first?.messageId, messageId)
      assert.deepStrictEqual(yield* mock.receive("jobs"), [])
      yield* TestClock.adjust("29 seconds")
      assert.deepStrictEqual(yield* mock.receive("jobs"), [])
      yield* TestClock.adjust("1 second")
      const [again] = yield* mock.receive("jobs")
      assert.strictEqual(again?.receiveCount, 2)
      yield* mock.delete("jobs", again!.receiptHandle)
      const j = yield* mock.journal
      const receives = j.entries.filter((e) => e.op === "receive")
      assert.deepStrictEqual(
        receives.map((e) => [e.at, e.redelivery ?? false, e.correlationId]),
        [
          [0, false, "c-1"],
          [30_000, true, "c-1"]
        ]
      )
    })
  )

  it.effect("a long poll on TestClock wakes on a send, and ends empty at its wait time", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({ seed: 2, queues: [{ name: "jobs" }] })
      const poll = yield* Effect.forkChild(mock.receive("jobs", { waitSeconds: 20 }))
      yield* TestClock.adjust("5 seconds")
      yield* mock.send("jobs", "hello")
      const got = yield* Fiber.join(poll)
      assert.deepStrictEqual(
        got.map((m) => m.body),
        ["hello"]
      )
      const empty = yield* Effect.forkChild(mock.receive("jobs", { waitSeconds: 3 }))
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* Fiber.join(empty), [])
    })
  )

  it.effect(
    "a delayed-delivery switch holds messages back by a seeded delay; the same seed gives the same delays",
    () =>
      Effect.gen(function* () {
        const delays = (seed: number) =>
          Effect.scoped(
            Effect.gen(function* () {
              const mock = yield* QueueMock.make({
                seed,
                queues: [{ name: "q" }],
                switches: [{ kind: "delay", rate: 1, minMs: 100, maxMs: 5000 }]
              })
              for (let i = 0; i < 5; i++) yield* mock.send("q", `m${i}`)
              return (yield* mock.journal).entries.filter((e) => e.op === "send").map((e) => e.detail)
            })
          )
        const a = yield* delays(5)
        assert.deepStrictEqual(a, yield* delays(5))
        assert.notStrictEqual(JSON.stringify(a), JSON.stringify(yield* delays(6)))
      })
  )

  it.effect("unknown queues and throttling fail with typed reasons", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({ seed: 3, queues: [{ name: "q" }] })
      const missing = yield* Effect.flip(mock.send("nope", "x"))
      assert.strictEqual(missing.reason, "QueueRejected")
      assert.strictEqual(missing.message, 'QueueDoesNotExist: The specified queue does not exist (queue "nope").')
      yield* mock.addSwitch({ kind: "throttle", rate: 1, queue: "q" })
      const throttled = yield* Effect.flip(mock.send("q", "x"))
      assert.strictEqual(throttled.reason, "QueueUnavailable")
      const badOptions = yield* Effect.flip(QueueMock.make({ queues: [{ name: "bad name!" }] }))
      assert.strictEqual(badOptions.reason, "InvalidOptions")
      assert.match(badOptions.message, /queues\[0\].*QueueName.*got "bad name!"/)
    })
  )
})

describe("QueueMock determinism", () => {
  it.effect("the same seed gives the same message ids and fault decisions; another seed does not", () =>
    Effect.gen(function* () {
      const trace = (seed: number) =>
        Effect.scoped(
          Effect.gen(function* () {
            const mock = yield* QueueMock.make({
              seed,
              queues: [{ name: "q", attributes: { VisibilityTimeout: "1" } }],
              switches: [
                { kind: "duplicate", rate: 0.2 },
                { kind: "reorder", window: 5 },
                { kind: "lostAck", rate: 0.2 }
              ]
            })
            for (let i = 0; i < 50; i++) yield* mock.send("q", `m${i}`)
            for (let round = 0; round < 40; round++) {
              const got = yield* mock.receive("q", { max: 10 })
              for (const m of got) yield* mock.delete("q", m.receiptHandle)
              yield* TestClock.adjust("1 second")
            }
            const j = yield* mock.journal
            assert.strictEqual(QueueMock.noneLost(j).outcome, "pass")
            return j.entries.map((e) => `${e.op} ${e.messageId ?? ""} ${e.receiveCount ?? ""}`).join("\n")
          })
        )
      const a = yield* trace(77)
      assert.strictEqual(a, yield* trace(77))
      assert.notStrictEqual(a, yield* trace(78))
      assert.include(a, "delete-lost")
      assert.include(a, "duplicate")
    })
  )
})

describe("QueueMock poison messages in a FIFO group", () => {
  /**
   * An ordered consumer (one message at a time) that fails on "poison" (never deletes it) and deletes everything
   * else, for 10 polls a second apart.
   */
  const consume = (mock: QueueMock.QueueMock, queue: string) =>
    Effect.gen(function* () {
      const processed: Array<string> = []
      for (let round = 0; round < 10; round++) {
        for (const m of yield* mock.receive(queue, { max: 1 })) {
          if (m.body === "poison") continue
          processed.push(m.messageId)
          yield* mock.delete(queue, m.receiptHandle)
        }
        yield* TestClock.adjust("1 second")
      }
      return processed
    })

  it.effect("with a DLQ the poison is dead-lettered and its group moves on, in order", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({
        seed: 5,
        queues: [
          { name: "jobs-dlq.fifo", attributes: { FifoQueue: "true" } },
          {
            name: "jobs.fifo",
            attributes: { FifoQueue: "true", ContentBasedDeduplication: "true", VisibilityTimeout: "1" },
            deadLetter: { queue: "jobs-dlq.fifo", maxReceiveCount: 2 }
          }
        ]
      })
      const poison = yield* mock.send("jobs.fifo", "poison", { groupId: "g" })
      yield* mock.send("jobs.fifo", "after-1", { groupId: "g" })
      yield* mock.send("jobs.fifo", "after-2", { groupId: "g" })
      const processed = yield* consume(mock, "jobs.fifo")
      const j = yield* mock.journal
      const dead = QueueMock.poisonDeadLettered(j, { queue: "jobs.fifo", poison: [poison.messageId] })
      assert.strictEqual(dead.outcome, "pass", JSON.stringify(dead))
      assert.strictEqual(QueueMock.fifoOrdered(j, { queue: "jobs.fifo", processed }).outcome, "pass")
      assert.strictEqual(processed.length, 2)
    })
  )

  it.effect("without a DLQ the poison blocks its group, and the verdict names the stuck messages", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({
        seed: 5,
        queues: [
          {
            name: "jobs.fifo",
            attributes: { FifoQueue: "true", ContentBasedDeduplication: "true", VisibilityTimeout: "1" }
          }
        ]
      })
      const poison = yield* mock.send("jobs.fifo", "poison", { groupId: "g" })
      const stuck = yield* mock.send("jobs.fifo", "after-1", { groupId: "g" })
      const processed = yield* consume(mock, "jobs.fifo")
      assert.deepStrictEqual(processed, [])
      const verdict = QueueMock.poisonDeadLettered(yield* mock.journal, {
        queue: "jobs.fifo",
        poison: [poison.messageId]
      })
      assert.strictEqual(verdict.outcome, "fail")
      assert.include(verdict.evidence!.join("\n"), `${poison.messageId}: poison not dead-lettered (received 10×`)
      assert.include(verdict.evidence!.join("\n"), `${stuck.messageId}: healthy message not processed (received 0×`)
    })
  )
})

describe("QueueMock journal limit", () => {
  it.effect("keeps the newest journalLimit entries, counts the dropped ones, and verdicts say unknown", () =>
    Effect.gen(function* () {
      const mock = yield* QueueMock.make({ seed: 1, journalLimit: 100, queues: [{ name: "q" }] })
      for (let i = 0; i < 500; i++) yield* mock.send("q", `m${i}`)
      const j = yield* mock.journal
      assert.strictEqual(j.entries.length, 100)
      assert.strictEqual(j.dropped, 401) // 500 sends and the queue's creation, less the 100 kept
      assert.strictEqual(j.entries.at(-1)?.seq, 501)
      const lost = QueueMock.noneLost(j)
      assert.strictEqual(lost.outcome, "unknown")
      assert.strictEqual(lost.message, "the journal dropped 401 entries (raise journalLimit)")
    })
  )
})
