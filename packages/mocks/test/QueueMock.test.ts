import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest
} from "@aws-sdk/client-sqs"
import { Effect } from "effect"
import { request } from "undici"
import { describe, expect, it } from "vitest"
import { QueueMock } from "../src/index.ts"

const clientFor = (mock: QueueMock.QueueMock, maxAttempts = 3) =>
  new SQSClient({
    endpoint: mock.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts
  })

/** Runs `f` with a mock and an SQS client; both are closed afterwards, also when `f` throws. */
const withSqs = <A>(
  options: QueueMock.Options,
  f: (sqs: SQSClient, mock: QueueMock.QueueMock) => Promise<A>,
  maxAttempts?: number
): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const mock = yield* QueueMock.make(options)
        const sqs = yield* Effect.acquireRelease(
          Effect.sync(() => clientFor(mock, maxAttempts)),
          (c) => Effect.sync(() => c.destroy())
        )
        return yield* Effect.promise(() => f(sqs, mock))
      })
    )
  )

const journalOf = (mock: QueueMock.QueueMock) => Effect.runPromise(mock.journal)

describe("QueueMock with @aws-sdk/client-sqs", () => {
  it("creates a queue, sends, receives and deletes; GetQueueUrl and attributes agree", () =>
    withSqs({ seed: 1 }, async (sqs, mock) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "orders" }))
      expect(QueueUrl).toBe(`${mock.url}/000000000000/orders`)
      expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "orders" }))).QueueUrl).toBe(QueueUrl)
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({ order: 1 }),
          MessageAttributes: { correlationId: { DataType: "String", StringValue: "corr-1" } }
        })
      )
      expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/)
      const got = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"]
        })
      )
      expect(got.Messages).toHaveLength(1)
      const m = got.Messages![0]!
      expect(m.Body).toBe('{"order":1}')
      expect(m.MessageId).toBe(sent.MessageId)
      expect(m.Attributes?.ApproximateReceiveCount).toBe("1")
      expect(m.MessageAttributes?.correlationId?.StringValue).toBe("corr-1")
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))
      expect(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("1")
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
      const after = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        })
      )
      expect(after.Attributes).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" })
      const j = await journalOf(mock)
      expect(j.entries.filter((e) => e.messageId === sent.MessageId).map((e) => [e.op, e.correlationId])).toEqual([
        ["send", "corr-1"],
        ["receive", "corr-1"],
        ["delete", "corr-1"]
      ])
      expect(QueueMock.noneLost(j).outcome).toBe("pass")
    }))

  it("a long poll waits for a message sent later and returns it at once", () =>
    withSqs({ seed: 2, queues: [{ name: "jobs" }] }, async (sqs, mock) => {
      const QueueUrl = mock.queueUrl("jobs")
      const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))
      expect(empty.Messages ?? []).toEqual([])
      const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
      const started = Date.now()
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "late" }))
      const got = await poll
      expect(got.Messages?.map((m) => m.Body)).toEqual(["late"])
      expect(Date.now() - started).toBeLessThan(10_000) // sanity: it did not wait out the 20 s
    }))

  it("a message not deleted before its visibility timeout is redelivered with a higher receive count", () =>
    withSqs({ seed: 3, queues: [{ name: "jobs", attributes: { VisibilityTimeout: "1" } }] }, async (sqs, mock) => {
      const QueueUrl = mock.queueUrl("jobs")
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "work" }))
      const first = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ["ApproximateReceiveCount"] })
      )
      expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1")
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? []).toEqual([])
      // The long poll wakes when the visibility timeout ends.
      const second = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          WaitTimeSeconds: 10,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"]
        })
      )
      expect(second.Messages?.[0]?.MessageId).toBe(first.Messages?.[0]?.MessageId)
      expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("2")
      // The first receipt is stale now: SQS acknowledges the delete but keeps the message.
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }))
      const j1 = await journalOf(mock)
      expect(j1.entries.at(-1)?.op).toBe("delete-stale")
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.Messages![0]!.ReceiptHandle! }))
      const j = await journalOf(mock)
      expect(j.entries.filter((e) => e.op === "receive").map((e) => e.redelivery ?? false)).toEqual([false, true])
      expect(QueueMock.noneLost(j).outcome).toBe("pass")
    }))

  it("ChangeMessageVisibility to 0 makes a message receivable at once", () =>
    withSqs({ seed: 4, queues: [{ name: "jobs" }] }, async (sqs, mock) => {
      const QueueUrl = mock.queueUrl("jobs")
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))
      const [m] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m!.ReceiptHandle!, VisibilityTimeout: 0 })
      )
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl }))
      expect(again.Messages?.[0]?.MessageId).toBe(m!.MessageId)
    }))

  it("batches: send 10 and delete 10 in one call each; more than 10 is refused in SQS's shape", () =>
    withSqs({ seed: 5, queues: [{ name: "batch" }] }, async (sqs, mock) => {
      const QueueUrl = mock.queueUrl("batch")
      const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }))
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }))
      expect(sent.Successful).toHaveLength(10)
      expect(sent.Failed ?? []).toEqual([])
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
      expect(got.Messages?.map((m) => m.Body)).toEqual(Entries.map((e) => e.MessageBody))
      const del = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! }))
        })
      )
      expect(del.Successful).toHaveLength(10)
      const tooMany = [...Entries, { Id: "m10", MessageBody: "eleven" }]
      await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: tooMany }))).rejects.toBeInstanceOf(
        TooManyEntriesInBatchRequest
      )
      expect(QueueMock.noneLost(await journalOf(mock)).outcome).toBe("pass")
    }))

  it("moves a message to the DLQ after maxReceiveCount receives (RedrivePolicy)", () =>
    withSqs({ seed: 6 }, async (sqs, mock) => {
      const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: "jobs-dlq" }))).QueueUrl!
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] })))
        .Attributes!.QueueArn!
      const QueueUrl = (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: "jobs",
            Attributes: {
              VisibilityTimeout: "0",
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: "2" })
            }
          })
        )
      ).QueueUrl!
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "poison" }))
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "fine" }))
      // A consumer that fails on "poison" (never deletes it) and deletes the rest.
      for (let i = 0; i < 10; i++) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
        for (const m of r.Messages ?? [])
          if (m.Body !== "poison")
            await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
      }
      const dead = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ["ApproximateReceiveCount"] })
      )
      expect(dead.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[MessageId, "poison"]])
      const j = await journalOf(mock)
      const moved = j.entries.find((e) => e.op === "dlq")
      expect(moved).toMatchObject({ messageId: MessageId, receiveCount: 2, queue: "jobs", detail: "to jobs-dlq" })
      const verdict = QueueMock.poisonDeadLettered(j, { queue: "jobs", poison: [MessageId!] })
      expect(verdict.outcome).toBe("pass")
      expect(verdict.evidence?.[0]).toBe(`${MessageId}: dead-lettered after 2 receives`)
    }))

  it("FIFO: order within a group, groups do not block each other, deduplication ids drop repeats", () =>
    withSqs({ seed: 7 }, async (sqs, mock) => {
      const QueueUrl = (
        await sqs.send(new CreateQueueCommand({ QueueName: "pay.fifo", Attributes: { FifoQueue: "true" } }))
      ).QueueUrl!
      const ids: Record<string, Array<string>> = { a: [], b: [] }
      for (let i = 0; i < 4; i++)
        for (const g of ["a", "b"]) {
          const r = await sqs.send(
            new SendMessageCommand({
              QueueUrl,
              MessageBody: `${g}${i}`,
              MessageGroupId: g,
              MessageDeduplicationId: `${g}-${i}`
            })
          )
          ids[g]!.push(r.MessageId!)
        }
      const dup = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: "a0 again",
          MessageGroupId: "a",
          MessageDeduplicationId: "a-0"
        })
      )
      expect(dup.MessageId).toBe(ids.a![0])
      // While a0 is in flight, group a is blocked; group b is not.
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }))
      expect(first.Messages?.map((m) => m.Body)).toEqual(["a0"])
      const next = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
      expect(next.Messages?.map((m) => m.Body)).toEqual(["b0", "b1", "b2", "b3"])
      for (const m of [...first.Messages!, ...next.Messages!])
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
      const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
      expect(rest.Messages?.map((m) => m.Body)).toEqual(["a1", "a2", "a3"])
      for (const m of rest.Messages!)
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
      const j = await journalOf(mock)
      expect(QueueMock.fifoOrdered(j, { queue: "pay.fifo" }).outcome).toBe("pass")
      // A consumer that processed a2 before a1 is caught, with the pair as evidence.
      const wrong = QueueMock.fifoOrdered(j, { queue: "pay.fifo", processed: [ids.a![0]!, ids.a![2]!, ids.a![1]!] })
      expect(wrong.outcome).toBe("fail")
      expect(wrong.evidence?.[0]).toContain(`group a: ${ids.a![1]}`)
      const missingGroup = sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x", MessageDeduplicationId: "x" }))
      await expect(missingGroup).rejects.toMatchObject({ name: "MissingParameter" })
    }))

  it("errors come back in SQS's shapes: unknown queue, bad receipt, bad parameter naming field and value", () =>
    withSqs({ seed: 8, queues: [{ name: "q" }] }, async (sqs, mock) => {
      await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" }))).rejects.toBeInstanceOf(QueueDoesNotExist)
      await expect(
        sqs.send(new DeleteMessageCommand({ QueueUrl: mock.queueUrl("q"), ReceiptHandle: "garbage" }))
      ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid)
      const bad = await sqs
        .send(new ReceiveMessageCommand({ QueueUrl: mock.queueUrl("q"), MaxNumberOfMessages: 11 }))
        .catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(SQSServiceException)
      expect((bad as SQSServiceException).name).toBe("InvalidParameterValue")
      expect((bad as Error).message).toContain("ReceiveMessage.MaxNumberOfMessages")
      expect((bad as Error).message).toContain("(got 11)")
      const noAttr = sqs.send(new CreateQueueCommand({ QueueName: "x", Attributes: { VisibilityTimeout: "-1" } }))
      await expect(noAttr).rejects.toMatchObject({ name: "InvalidAttributeValue" })
      await sqs.send(new SendMessageCommand({ QueueUrl: mock.queueUrl("q"), MessageBody: "p" }))
      await sqs.send(new PurgeQueueCommand({ QueueUrl: mock.queueUrl("q") }))
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: mock.queueUrl("q") }))).Messages ?? []).toEqual([])
    }))

  it("an outage switch answers 503 ServiceUnavailable; as a Fault it turns on and off", () =>
    withSqs(
      { seed: 9, queues: [{ name: "q" }] },
      async (sqs, mock) => {
        const QueueUrl = mock.queueUrl("q")
        const outage = await Effect.runPromise(mock.fault({ kind: "outage" }, "broker down"))
        expect(outage).toMatchObject({ name: "broker down", target: "queue/*" })
        await Effect.runPromise(outage.apply)
        const e = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })).catch((x: unknown) => x)
        expect(e).toMatchObject({ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } })
        await Effect.runPromise(outage.revert)
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))
        const ops = (await journalOf(mock)).entries.map((e) => e.op)
        expect(ops).toEqual(["create-queue", "switch-on", "rejected", "switch-off", "send"])
      },
      1
    ))

  it("the admin endpoint validates switches and names the field and value", () =>
    withSqs({ seed: 10 }, async (_sqs, mock) => {
      const r = await request(`${mock.url}/__24h/switches`, {
        method: "POST",
        body: JSON.stringify({ kind: "duplicate", rate: 2 })
      })
      expect(r.statusCode).toBe(400)
      const body = (await r.body.json()) as { error: { message: string } }
      expect(body.error.message).toBe("switch.rate: Too big: expected number to be <=1 (got 2)")
      const ok = await request(`${mock.url}/__24h/switches`, {
        method: "POST",
        body: JSON.stringify({ kind: "lostAck", rate: 0.5, id: "acks" })
      })
      expect(await ok.body.json()).toEqual({ switches: [{ kind: "lostAck", rate: 0.5, id: "acks" }] })
      const bad = await Effect.runPromise(Effect.flip(mock.addSwitch({ kind: "delay", minMs: 10, maxMs: 5 } as never)))
      expect(bad.reason).toBe("InvalidSwitch")
      expect(bad.message).toBe("QueueMock: switch.maxMs: must be >= minMs (got 5)")
    }))

  it("journals the x-correlation-id header of each request (added to the client with a middleware)", () =>
    withSqs({ seed: 12, queues: [{ name: "q" }] }, async (sqs, mock) => {
      let current = "req-1"
      sqs.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { headers: Record<string, string> }
          request.headers["x-correlation-id"] = current
          return next(args)
        },
        { step: "build", name: "correlationId" }
      )
      const QueueUrl = mock.queueUrl("q")
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))
      current = "req-2"
      const [m] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!
      current = "req-3"
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m!.ReceiptHandle! }))
      const j = await journalOf(mock)
      // The message keeps the correlation id it was sent with, through its receive and its delete.
      expect(j.entries.filter((e) => e.messageId !== undefined).map((e) => [e.op, e.correlationId])).toEqual([
        ["send", "req-1"],
        ["receive", "req-1"],
        ["delete", "req-1"]
      ])
    }))

  it("refuses a request body over 4 MiB unread, in SQS's shape, and keeps serving", () =>
    withSqs({ seed: 13, queues: [{ name: "q" }] }, async (sqs, mock) => {
      const r = await request(mock.url, {
        method: "POST",
        headers: { "x-amz-target": "AmazonSQS.SendMessage", "content-type": "application/x-amz-json-1.0" },
        body: JSON.stringify({ QueueUrl: mock.queueUrl("q"), MessageBody: "x".repeat(5 * 1024 * 1024) })
      })
      expect(r.statusCode).toBe(400)
      expect(r.headers["x-amzn-query-error"]).toBe("AWS.SimpleQueueService.BatchRequestTooLong;Sender")
      expect(((await r.body.json()) as { __type: string }).__type).toBe("com.amazonaws.sqs#BatchRequestTooLong")
      await sqs.send(new SendMessageCommand({ QueueUrl: mock.queueUrl("q"), MessageBody: "still here" }))
    }))
})
