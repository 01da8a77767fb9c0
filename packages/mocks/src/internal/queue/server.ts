/**
 * The SQS facade: the subset of the Amazon SQS JSON protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`)
 * that applications use, over `node:http`, so `@aws-sdk/client-sqs` talks to the broker unchanged. Errors come back
 * in SQS's own shape: HTTP 400 (503 for an outage), `{"__type":"com.amazonaws.sqs#Code","message":...}` and the
 * `x-amzn-query-error: <QueryCode>;Sender` header the SDK reads in query-compatible mode.
 *
 * Requests are validated with zod; a bad field answers `InvalidParameterValue` naming the field and the value.
 * Long polls wait with Node timers (the hot path) and wake on a send, a visibility change or the next visibility
 * expiry; time itself is read from the mock's Effect `Clock`.
 *
 * Admin (JSON): `GET /__24h/journal`, `GET|POST|PUT|DELETE /__24h/switches[/<id>]`.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { type ErrorData, errorData } from "@24h/core"
import { Result } from "effect"
import { z } from "zod"
import { formatZodIssues } from "../../MocksError.ts"
import {
  type Broker,
  type Ctx,
  type Delivered,
  failures,
  md5OfAttributes,
  type Queue,
  SqsFailure,
  type WireAttribute
} from "./broker.ts"
import { parse as parseSwitch, type QueueSwitch } from "./switches.ts"

const Attribute = z.object({
  DataType: z.string().min(1),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional()
})
const StringMap = z.record(z.string(), z.string())
const Url = z.string().min(1)
const Receipt = z.string().min(1)
const BatchId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "must be 1-80 characters of A-Z a-z 0-9 _ -")

/** The fields of one message, shared by SendMessage and each SendMessageBatch entry. */
const messageFields = {
  MessageBody: z.string(),
  DelaySeconds: z.int().min(0).max(900).optional(),
  MessageAttributes: z.record(z.string(), Attribute).optional(),
  MessageGroupId: z.string().min(1).max(128).optional(),
  MessageDeduplicationId: z.string().min(1).max(128).optional()
}

const schemas = {
  CreateQueue: z.looseObject({ QueueName: z.string(), Attributes: StringMap.optional(), tags: StringMap.optional() }),
  GetQueueUrl: z.looseObject({ QueueName: z.string().min(1), QueueOwnerAWSAccountId: z.string().optional() }),
  ListQueues: z.looseObject({ QueueNamePrefix: z.string().optional() }),
  DeleteQueue: z.looseObject({ QueueUrl: Url }),
  GetQueueAttributes: z.looseObject({ QueueUrl: Url, AttributeNames: z.array(z.string()).optional() }),
  SetQueueAttributes: z.looseObject({ QueueUrl: Url, Attributes: StringMap }),
  PurgeQueue: z.looseObject({ QueueUrl: Url }),
  SendMessage: z.looseObject({ QueueUrl: Url, ...messageFields }),
  SendMessageBatch: z.looseObject({
    QueueUrl: Url,
    Entries: z.array(z.looseObject({ Id: BatchId, ...messageFields }))
  }),
  ReceiveMessage: z.looseObject({
    QueueUrl: Url,
    MaxNumberOfMessages: z.int().min(1).max(10).optional(),
    VisibilityTimeout: z.int().min(0).max(43_200).optional(),
    WaitTimeSeconds: z.int().min(0).max(20).optional(),
    AttributeNames: z.array(z.string()).optional(),
    MessageSystemAttributeNames: z.array(z.string()).optional(),
    MessageAttributeNames: z.array(z.string()).optional(),
    ReceiveRequestAttemptId: z.string().optional()
  }),
  DeleteMessage: z.looseObject({ QueueUrl: Url, ReceiptHandle: Receipt }),
  DeleteMessageBatch: z.looseObject({
    QueueUrl: Url,
    Entries: z.array(z.looseObject({ Id: BatchId, ReceiptHandle: Receipt }))
  }),
  ChangeMessageVisibility: z.looseObject({
    QueueUrl: Url,
    ReceiptHandle: Receipt,
    VisibilityTimeout: z.int().min(0).max(43_200)
  }),
  ChangeMessageVisibilityBatch: z.looseObject({
    QueueUrl: Url,
    Entries: z.array(
      z.looseObject({ Id: BatchId, ReceiptHandle: Receipt, VisibilityTimeout: z.int().min(0).max(43_200) })
    )
  })
} as const

type Action = keyof typeof schemas
type Input<A extends Action> = z.infer<(typeof schemas)[A]>
type Reply = { readonly json: unknown } | SqsFailure
type Respond = (r: Reply) => void

/** Four times SQS's 1 MiB payload limit, leaving room for JSON and base64: anything larger is refused unread. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024

const JSON_HEADERS = { "content-type": "application/x-amz-json-1.0" }

export interface FacadeOptions {
  readonly broker: Broker
  readonly now: () => number
}

/** A request handler for `node:http` and the set of pending long-poll timers (cleared when the server closes). */
export const makeHandler = (options: FacadeOptions) => {
  const { broker, now } = options
  const pending = new Set<() => void>()

  const send = (res: ServerResponse, r: Reply, requestId: string) => {
    if (res.writableEnded || res.destroyed) return
    if (r instanceof SqsFailure) {
      const body = JSON.stringify({ __type: `com.amazonaws.sqs#${r.code}`, message: r.message })
      res.writeHead(r.status, {
        ...JSON_HEADERS,
        "x-amzn-requestid": requestId,
        "x-amzn-query-error": `${r.queryCode};${r.sender ? "Sender" : "Server"}`,
        "content-length": Buffer.byteLength(body)
      })
      res.end(body)
      return
    }
    const body = JSON.stringify(r.json)
    res.writeHead(200, { ...JSON_HEADERS, "x-amzn-requestid": requestId, "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  const queueOf = (url: string): Queue | SqsFailure => broker.resolve(url)

  const handlers: {
    readonly [A in Action]: (input: Input<A>, ctx: Ctx, respond: Respond, res: ServerResponse) => void
  } = {
    CreateQueue: (i, ctx, respond) => {
      const q = broker.createQueue(i.QueueName, i.Attributes ?? {}, now(), ctx)
      respond(q instanceof SqsFailure ? q : { json: { QueueUrl: broker.url(q.name) } })
    },
    GetQueueUrl: (i, _ctx, respond) => {
      const q = broker.queues.get(i.QueueName)
      respond(q === undefined ? failures.noQueue(i.QueueName) : { json: { QueueUrl: broker.url(q.name) } })
    },
    ListQueues: (i, _ctx, respond) => {
      const urls = [...broker.queues.keys()]
        .filter((n) => n.startsWith(i.QueueNamePrefix ?? ""))
        .map((n) => broker.url(n))
      respond({ json: urls.length === 0 ? {} : { QueueUrls: urls } })
    },
    DeleteQueue: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      broker.deleteQueue(q, now(), ctx)
      respond({ json: {} })
    },
    GetQueueAttributes: (i, _ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const all = broker.attributes(q, now())
      const names = i.AttributeNames ?? []
      if (names.includes("All")) return respond({ json: { Attributes: all } })
      const out: Record<string, string> = {}
      for (const n of names) {
        const v = all[n]
        if (v === undefined && !KNOWN_ATTRIBUTES.has(n))
          return respond(
            new SqsFailure("InvalidAttributeName", `AttributeNames: unknown attribute ${JSON.stringify(n)}`)
          )
        if (v !== undefined) out[n] = v
      }
      respond({ json: Object.keys(out).length === 0 ? {} : { Attributes: out } })
    },
    SetQueueAttributes: (i, _ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const e = broker.applyAttributes(q, i.Attributes, false)
      if (e === undefined) q.lastModifiedAt = now()
      respond(e ?? { json: {} })
    },
    PurgeQueue: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      broker.purge(q, now(), ctx)
      respond({ json: {} })
    },
    SendMessage: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const r = broker.send(q, toSendInput(i), now(), ctx)
      respond(r instanceof SqsFailure ? r : { json: sentJson(r) })
    },
    SendMessageBatch: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const e = checkBatch(i.Entries)
      if (e !== undefined) return respond(e)
      const t = now()
      const Successful: Array<unknown> = []
      const Failed: Array<unknown> = []
      for (const entry of i.Entries) {
        const r = broker.send(q, toSendInput(entry), t, ctx)
        if (r instanceof SqsFailure)
          Failed.push({ Id: entry.Id, SenderFault: r.sender, Code: r.code, Message: r.message })
        else Successful.push({ Id: entry.Id, ...sentJson(r) })
      }
      respond({ json: { Successful, Failed } })
    },
    ReceiveMessage: (i, ctx, respond, res) => {
      const q0 = queueOf(i.QueueUrl)
      if (q0 instanceof SqsFailure) return respond(q0)
      const name = q0.name
      const input = { max: i.MaxNumberOfMessages, visibilityTimeout: i.VisibilityTimeout }
      const render = (d: ReadonlyArray<Delivered>) => ({ json: receivedJson(d, i) })
      const first = broker.receive(q0, input, now(), ctx)
      const wait = i.WaitTimeSeconds ?? q0.waitSeconds
      if (first.length > 0 || wait === 0) return respond(render(first))
      const deadline = now() + wait * 1000
      let timer: ReturnType<typeof setTimeout> | undefined
      let unsubscribe: (() => void) | undefined
      const stop = () => {
        if (timer !== undefined) clearTimeout(timer)
        unsubscribe?.()
        timer = undefined
        unsubscribe = undefined
      }
      const finish = (r: Reply) => {
        stop()
        pending.delete(cancel)
        res.off("close", cancel)
        respond(r)
      }
      // The client went away (or the server closes): stop waiting, and take nothing off the queue for nobody.
      const cancel = () => {
        stop()
        pending.delete(cancel)
      }
      const arm = (t: number) => {
        unsubscribe = broker.onChange(name, attempt)
        const next = broker.nextVisibleAt(name, t)
        const until = next === undefined ? deadline : Math.min(deadline, next)
        timer = setTimeout(attempt, Math.max(1, until - t))
      }
      const attempt = () => {
        stop()
        const q = broker.queues.get(name)
        if (q === undefined) return finish(failures.noQueue(name))
        const t = now()
        const d = broker.receive(q, input, t, ctx)
        if (d.length > 0 || t >= deadline) return finish(render(d))
        arm(t)
      }
      pending.add(cancel)
      res.once("close", cancel)
      arm(now())
    },
    DeleteMessage: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      respond(broker.delete(q, i.ReceiptHandle, now(), ctx) ?? { json: {} })
    },
    DeleteMessageBatch: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const e = checkBatch(i.Entries)
      if (e !== undefined) return respond(e)
      const t = now()
      const Successful: Array<unknown> = []
      const Failed: Array<unknown> = []
      for (const entry of i.Entries) {
        const r = broker.delete(q, entry.ReceiptHandle, t, ctx)
        if (r === undefined) Successful.push({ Id: entry.Id })
        else Failed.push({ Id: entry.Id, SenderFault: r.sender, Code: r.code, Message: r.message })
      }
      respond({ json: { Successful, Failed } })
    },
    ChangeMessageVisibility: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      respond(broker.changeVisibility(q, i.ReceiptHandle, i.VisibilityTimeout, now(), ctx) ?? { json: {} })
    },
    ChangeMessageVisibilityBatch: (i, ctx, respond) => {
      const q = queueOf(i.QueueUrl)
      if (q instanceof SqsFailure) return respond(q)
      const e = checkBatch(i.Entries)
      if (e !== undefined) return respond(e)
      const t = now()
      const Successful: Array<unknown> = []
      const Failed: Array<unknown> = []
      for (const entry of i.Entries) {
        const r = broker.changeVisibility(q, entry.ReceiptHandle, entry.VisibilityTimeout, t, ctx)
        if (r === undefined) Successful.push({ Id: entry.Id })
        else Failed.push({ Id: entry.Id, SenderFault: r.sender, Code: r.code, Message: r.message })
      }
      respond({ json: { Successful, Failed } })
    }
  }

  const admin = (req: IncomingMessage, res: ServerResponse, path: string, body: string) => {
    const reply = (status: number, json: unknown) => {
      const text = JSON.stringify(json)
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
      res.end(text)
    }
    const bad = (message: string, data: ErrorData = {}) =>
      reply(400, { error: { reason: "InvalidSwitch", message, ...errorData(data) } })
    if (path === "/__24h/journal" && req.method === "GET") return reply(200, broker.snapshot())
    if (path === "/__24h/switches") {
      if (req.method === "GET") return reply(200, { switches: broker.switches })
      if (req.method === "DELETE") {
        for (const s of [...broker.switches]) broker.removeSwitch(s.id, now())
        return reply(200, { switches: [] })
      }
      if (req.method === "POST" || req.method === "PUT") {
        let raw: unknown
        try {
          raw = JSON.parse(body)
        } catch {
          return bad(`switches: the body is not JSON (got ${JSON.stringify(body.slice(0, 60))})`)
        }
        const items = Array.isArray(raw) ? raw : [raw]
        const parsed: Array<QueueSwitch> = []
        for (const [n, item] of items.entries()) {
          const s = parseSwitch(item, items.length > 1 ? `switches[${n}]` : "switch")
          if (Result.isFailure(s)) return bad(s.failure.message, s.failure)
          parsed.push(s.success)
        }
        if (req.method === "PUT") for (const s of [...broker.switches]) broker.removeSwitch(s.id, now())
        const added = parsed.map((s) => broker.addSwitch(s, now()))
        return reply(200, { switches: added })
      }
    }
    if (path.startsWith("/__24h/switches/") && req.method === "DELETE") {
      const id = decodeURIComponent(path.slice("/__24h/switches/".length))
      return broker.removeSwitch(id, now())
        ? reply(200, { removed: id })
        : reply(404, { error: { reason: "InvalidSwitch", message: `no switch ${JSON.stringify(id)}` } })
    }
    reply(404, { error: { reason: "InvalidAdminRequest", message: `no admin route ${req.method} ${path}` } })
  }

  const dispatch = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const requestId = broker.requestId()
    const respond: Respond = (r) => send(res, r, requestId)
    const path = (req.url ?? "/").split("?")[0]!
    if (path.startsWith("/__24h/")) return admin(req, res, path, text)
    const target = req.headers["x-amz-target"]
    const action = typeof target === "string" && target.startsWith("AmazonSQS.") ? target.slice(10) : undefined
    if (req.method !== "POST" || action === undefined)
      return respond(
        new SqsFailure(
          "UnsupportedOperation",
          `This endpoint speaks the SQS JSON protocol: POST with X-Amz-Target: AmazonSQS.<Action> (got ${req.method} ${JSON.stringify(target ?? null)})`,
          "AWS.SimpleQueueService.UnsupportedOperation"
        )
      )
    if (!Object.hasOwn(schemas, action))
      return respond(
        new SqsFailure(
          "UnsupportedOperation",
          `X-Amz-Target: ${JSON.stringify(action)} is not an action this mock implements (${Object.keys(schemas).join(", ")})`,
          "AWS.SimpleQueueService.UnsupportedOperation"
        )
      )
    let raw: unknown
    try {
      raw = text === "" ? {} : JSON.parse(text)
    } catch {
      return respond(failures.invalid(`the request body is not JSON (got ${JSON.stringify(text.slice(0, 60))})`))
    }
    const a = action as Action
    const parsed = schemas[a].safeParse(raw)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message, input: pick(raw, i.path) }))
      const message = formatZodIssues(a, issues)
      const missing = parsed.error.issues.some((i) => i.code === "invalid_type" && pick(raw, i.path) === undefined)
      return respond(missing ? failures.missing(message) : failures.invalid(message))
    }
    const cid = req.headers["x-correlation-id"]
    const ctx: Ctx = { correlationId: typeof cid === "string" && cid !== "" ? cid : undefined }
    const queueName = "QueueUrl" in parsed.data ? nameOf(parsed.data.QueueUrl as string) : undefined
    const rejected = broker.gate(queueName, a, now(), ctx)
    if (rejected !== undefined) return respond(rejected)
    ;(handlers[a] as (i: unknown, c: Ctx, r: Respond, s: ServerResponse) => void)(parsed.data, ctx, respond, res)
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let tooLong = false
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_REQUEST_BYTES) tooLong = true
      else chunks.push(c)
    })
    req.on("end", () => {
      if (tooLong)
        return send(
          res,
          new SqsFailure(
            "BatchRequestTooLong",
            `the request body is ${size} bytes, over the ${MAX_REQUEST_BYTES} this mock accepts (SQS allows 1 MiB of messages)`,
            "AWS.SimpleQueueService.BatchRequestTooLong"
          ),
          "too-long"
        )
      const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")
      try {
        dispatch(req, res, text)
      } catch (e) {
        // A bug here must not take the server down: answer as SQS does for an internal error and keep serving.
        send(
          res,
          new SqsFailure(
            "InternalError",
            `QueueMock: ${e instanceof Error ? e.message : String(e)}`,
            "InternalError",
            500,
            false
          ),
          "internal"
        )
      }
    })
  }

  /** Ends every pending long poll (used when the server closes). */
  const close = () => {
    for (const c of [...pending]) c()
  }

  return { handle, close }
}

const KNOWN_ATTRIBUTES = new Set([
  "Policy",
  "RedriveAllowPolicy",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
  "DeduplicationScope",
  "FifoThroughputLimit",
  "RedrivePolicy",
  "FifoQueue",
  "ContentBasedDeduplication"
])

const nameOf = (url: string) => url.slice(url.lastIndexOf("/") + 1)

const pick = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v: unknown = input
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

const checkBatch = (entries: ReadonlyArray<{ readonly Id: string }>): SqsFailure | undefined => {
  if (entries.length === 0)
    return new SqsFailure(
      "EmptyBatchRequest",
      "Entries: the batch request does not contain any entries.",
      "AWS.SimpleQueueService.EmptyBatchRequest"
    )
  if (entries.length > 10)
    return new SqsFailure(
      "TooManyEntriesInBatchRequest",
      `Entries: the batch request contains more entries than permissible (got ${entries.length}, at most 10).`,
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    )
  const ids = new Set(entries.map((e) => e.Id))
  if (ids.size !== entries.length)
    return new SqsFailure(
      "BatchEntryIdsNotDistinct",
      "Entries: two or more batch entries in the request have the same Id.",
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    )
  return undefined
}

const toSendInput = (i: {
  readonly MessageBody: string
  readonly DelaySeconds?: number | undefined
  readonly MessageAttributes?: Readonly<Record<string, WireAttribute>> | undefined
  readonly MessageGroupId?: string | undefined
  readonly MessageDeduplicationId?: string | undefined
}) => ({
  body: i.MessageBody,
  delaySeconds: i.DelaySeconds,
  attributes: i.MessageAttributes,
  groupId: i.MessageGroupId,
  dedupId: i.MessageDeduplicationId
})

const sentJson = (r: {
  readonly messageId: string
  readonly md5Body: string
  readonly md5Attributes: string | undefined
  readonly sequenceNumber: string | undefined
}) => {
  const o: Record<string, string> = { MessageId: r.messageId, MD5OfMessageBody: r.md5Body }
  if (r.md5Attributes !== undefined) o.MD5OfMessageAttributes = r.md5Attributes
  if (r.sequenceNumber !== undefined) o.SequenceNumber = r.sequenceNumber
  return o
}

const SYSTEM = [
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SequenceNumber",
  "MessageDeduplicationId",
  "MessageGroupId"
]

const receivedJson = (
  delivered: ReadonlyArray<Delivered>,
  i: {
    readonly AttributeNames?: ReadonlyArray<string> | undefined
    readonly MessageSystemAttributeNames?: ReadonlyArray<string> | undefined
    readonly MessageAttributeNames?: ReadonlyArray<string> | undefined
  }
) => {
  if (delivered.length === 0) return {}
  const sys = [...(i.AttributeNames ?? []), ...(i.MessageSystemAttributeNames ?? [])]
  const sysNames = sys.includes("All") ? SYSTEM : sys.filter((n) => SYSTEM.includes(n))
  const userNames = i.MessageAttributeNames ?? []
  const allUser = userNames.includes("All") || userNames.includes(".*")
  const wantUser = (n: string) =>
    allUser || userNames.some((p) => (p.endsWith(".*") ? n.startsWith(p.slice(0, -1)) : p === n))
  return {
    Messages: delivered.map(({ msg, receipt }) => {
      const o: Record<string, unknown> = {
        MessageId: msg.id,
        ReceiptHandle: receipt,
        MD5OfBody: msg.md5Body,
        Body: msg.body
      }
      if (sysNames.length > 0) {
        const a: Record<string, string> = {}
        for (const n of sysNames) {
          const v = systemAttribute(n, msg)
          if (v !== undefined) a[n] = v
        }
        o.Attributes = a
      }
      if (userNames.length > 0) {
        const names = Object.keys(msg.attributes).filter(wantUser)
        if (names.length > 0) {
          const picked: Record<string, WireAttribute> = {}
          for (const n of names) picked[n] = msg.attributes[n]!
          o.MessageAttributes = picked
          o.MD5OfMessageAttributes =
            names.length === Object.keys(msg.attributes).length ? msg.md5Attributes : md5OfAttributes(picked)
        }
      }
      return o
    })
  }
}

const systemAttribute = (n: string, m: Delivered["msg"]): string | undefined => {
  switch (n) {
    case "SenderId":
      return "AIDAQUEUEMOCK24H"
    case "SentTimestamp":
      return String(m.sentAt)
    case "ApproximateReceiveCount":
      return String(m.receiveCount)
    case "ApproximateFirstReceiveTimestamp":
      return m.firstReceiveAt === undefined ? undefined : String(m.firstReceiveAt)
    case "SequenceNumber":
      return m.sequenceNumber
    case "MessageDeduplicationId":
      return m.dedupId
    case "MessageGroupId":
      return m.group
    default:
      return undefined
  }
}
