/**
 * The broker behind `QueueMock`: queues, messages, failure switches and the journal, as plain synchronous state.
 * Every operation takes `now` (epoch ms, read by the caller from Effect's `Clock`) and returns a value or an
 * {@link SqsFailure}; nothing here reads a clock, sets a timer or does I/O, so the same code serves the in-process
 * Effect API (driven by `TestClock`) and the HTTP facade (driven by real time).
 *
 * ```
 *   queue.messages: Map<key, Msg>   insertion (send) order; a redelivered message keeps its place
 *      visible      visibleAt <= now
 *      in flight    receiveCount > 0 and visibleAt > now   (receipt = the latest receipt handle)
 *      delayed      receiveCount = 0 and visibleAt > now
 *   receive ─► (receiveCount >= maxReceiveCount ? move to DLQ : deliver, visibleAt = now + timeout)
 *   delete(receipt) ─► latest receipt: removed │ stale receipt: kept (SQS says: "succeeds, not deleted")
 * ```
 */
import { createHash } from "node:crypto"
import { Seed } from "@24h/core"
import type { Kind, QueueSwitch } from "./switches.ts"

/** An SQS error, in the shape the AWS JSON protocol returns (`__type`, `x-amzn-query-error`). */
export class SqsFailure {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly queryCode: string = code,
    readonly status: number = 400,
    readonly sender: boolean = true
  ) {}
}

export const failures = {
  noQueue: (name: string) =>
    new SqsFailure(
      "QueueDoesNotExist",
      `The specified queue does not exist (queue ${JSON.stringify(name)}).`,
      "AWS.SimpleQueueService.NonExistentQueue"
    ),
  invalid: (message: string) => new SqsFailure("InvalidParameterValue", message),
  missing: (message: string) => new SqsFailure("MissingParameter", message),
  unavailable: (queue: string | undefined) =>
    new SqsFailure(
      "ServiceUnavailable",
      `The service is unavailable (outage switch${queue === undefined ? "" : ` on queue ${JSON.stringify(queue)}`}).`,
      "ServiceUnavailable",
      503,
      false
    ),
  throttled: () => new SqsFailure("RequestThrottled", "Rate exceeded (throttle switch).", "RequestThrottled")
}

export type Op =
  | "create-queue"
  | "delete-queue"
  | "set-attributes"
  | "send"
  | "send-deduplicated"
  | "receive"
  | "delete"
  | "delete-lost"
  | "delete-stale"
  | "delete-gone"
  | "visibility"
  | "duplicate"
  | "dlq"
  | "expired"
  | "purge"
  | "rejected"
  | "switch-on"
  | "switch-off"

export interface JournalEntry {
  readonly seq: number
  readonly at: number
  readonly op: Op
  readonly queue?: string | undefined
  readonly messageId?: string | undefined
  readonly receiveCount?: number | undefined
  readonly group?: string | undefined
  readonly correlationId?: string | undefined
  /** The id of the switch that caused this entry (a rejection, a lost ack, a duplicate, a delay). */
  readonly fault?: string | undefined
  /** `true` on a receive of a message that was received before. */
  readonly redelivery?: boolean | undefined
  /** `true` on entries about a duplicate copy made by a `duplicate` switch. */
  readonly copy?: boolean | undefined
  readonly detail?: string | undefined
}

/** A message attribute on the wire (`MessageAttributes` of the SQS JSON protocol). */
export interface WireAttribute {
  readonly DataType: string
  readonly StringValue?: string | undefined
  readonly BinaryValue?: string | undefined
}

export interface Msg {
  readonly key: number
  readonly id: string
  readonly body: string
  readonly md5Body: string
  readonly attributes: Readonly<Record<string, WireAttribute>>
  readonly md5Attributes: string | undefined
  readonly sentAt: number
  readonly group: string | undefined
  readonly dedupId: string | undefined
  readonly sequenceNumber: string | undefined
  readonly correlationId: string | undefined
  readonly copy: boolean
  visibleAt: number
  receiveCount: number
  firstReceiveAt: number | undefined
  receipt: string | undefined
  deliveries: number
}

export interface Redrive {
  readonly deadLetterTargetArn: string
  readonly maxReceiveCount: number
}

export interface Queue {
  readonly name: string
  readonly fifo: boolean
  readonly createdAt: number
  lastModifiedAt: number
  visibilityTimeout: number
  delaySeconds: number
  retentionSeconds: number
  waitSeconds: number
  maxSize: number
  contentDedup: boolean
  redrive: Redrive | undefined
  readonly messages: Map<number, Msg>
  readonly dedup: Map<string, { readonly id: string; readonly at: number; readonly seq: string | undefined }>
}

export interface Ctx {
  readonly correlationId?: string | undefined
}

export interface SendInput {
  readonly body: string
  readonly delaySeconds?: number | undefined
  readonly attributes?: Readonly<Record<string, WireAttribute>> | undefined
  readonly groupId?: string | undefined
  readonly dedupId?: string | undefined
}

export interface Sent {
  readonly messageId: string
  readonly md5Body: string
  readonly md5Attributes: string | undefined
  readonly sequenceNumber: string | undefined
}

export interface ReceiveInput {
  readonly max?: number | undefined
  readonly visibilityTimeout?: number | undefined
}

export interface Delivered {
  readonly msg: Msg
  readonly receipt: string
}

const CORRELATION_ATTRIBUTES = ["correlationId", "CorrelationId", "x-correlation-id", "correlation-id"]
const NAME = /^[A-Za-z0-9_-]{1,80}$/
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/
const RECEIPT = /^(\d+)-(\d+)-([0-9a-f]{8})$/
const DEDUP_WINDOW_MS = 5 * 60_000

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0").slice(-width)

export const md5 = (s: string | Uint8Array): string => createHash("md5").update(s).digest("hex")

/** The MD5 of message attributes as SQS computes it (names sorted; length-prefixed name, type, transport, value). */
export const md5OfAttributes = (attrs: Readonly<Record<string, WireAttribute>>): string | undefined => {
  const names = Object.keys(attrs).sort()
  if (names.length === 0) return undefined
  const parts: Array<Buffer> = []
  const lp = (b: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    parts.push(len, b)
  }
  for (const n of names) {
    const a = attrs[n]!
    lp(Buffer.from(n, "utf8"))
    lp(Buffer.from(a.DataType, "utf8"))
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]))
      lp(Buffer.from(a.BinaryValue, "base64"))
    } else {
      parts.push(Buffer.from([1]))
      lp(Buffer.from(a.StringValue ?? "", "utf8"))
    }
  }
  return md5(Buffer.concat(parts))
}

export interface BrokerOptions {
  readonly seed: Seed.Seed
  readonly region: string
  readonly account: string
  readonly journalLimit: number
}

export class Broker {
  readonly queues = new Map<string, Queue>()
  readonly journal: Array<JournalEntry> = []
  journalDropped = 0
  switches: Array<QueueSwitch & { readonly id: string }> = []
  endpoint = "http://127.0.0.1"
  private nextKey = 1
  private nextId = 1
  private nextRequest = 1
  private nextSeq = 1
  private nextSwitch = 1
  private nextSequenceNumber = 1n
  private readonly ids: Seed.Stream
  private readonly streams = new Map<Kind, Seed.Stream>()
  private readonly waiters = new Map<string, Set<() => void>>()

  constructor(readonly options: BrokerOptions) {
    this.ids = Seed.stream(Seed.derive(options.seed, "mocks/queue/ids"))
  }

  // ── journal, ids, switches ──────────────────────────────────────────────────────────────────────────────────

  record(entry: Omit<JournalEntry, "seq">): void {
    const e: Record<string, unknown> = { seq: this.nextSeq++ }
    for (const k in entry) {
      const v = (entry as Record<string, unknown>)[k]
      if (v !== undefined) e[k] = v
    }
    this.journal.push(e as unknown as JournalEntry)
    // Trim in chunks (an eighth of the limit), not one shift per entry: a full journal stays O(1) per record.
    const limit = this.options.journalLimit
    if (this.journal.length >= limit + Math.ceil(limit / 8)) {
      const excess = this.journal.length - limit
      this.journal.splice(0, excess)
      this.journalDropped += excess
    }
  }

  /** The journal as kept: at most `journalLimit` entries, the newest, and how many older ones were dropped. */
  snapshot(): { readonly entries: ReadonlyArray<JournalEntry>; readonly dropped: number } {
    const limit = this.options.journalLimit
    const excess = Math.max(0, this.journal.length - limit)
    return { entries: this.journal.slice(excess), dropped: this.journalDropped + excess }
  }

  /** A seeded, unique RFC 4122-shaped id: 60 seeded bits and a 48-bit counter. */
  uuid(): string {
    const a = this.ids.nextUint32()
    const b = this.ids.nextUint32()
    const n = this.nextId++
    return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b & 0xfff, 3)}-${hex(0x8000 | ((n / 0x1000000000000) & 0x3fff), 4)}-${hex(n, 12)}`
  }

  /** A request id for `x-amzn-requestid` (not seeded: it never changes what the mock does). */
  requestId(): string {
    return `24h-${(this.nextRequest++).toString(36)}`
  }

  private stream(kind: Kind): Seed.Stream {
    let s = this.streams.get(kind)
    if (s === undefined) {
      s = Seed.stream(Seed.derive(this.options.seed, `mocks/queue/${kind}`))
      this.streams.set(kind, s)
    }
    return s
  }

  /** The first active switch of `kind` in scope of `queue` whose seeded draw fires. */
  private fires(kind: Kind, queue: string | undefined): (QueueSwitch & { readonly id: string }) | undefined {
    for (const s of this.switches) {
      if (s.kind !== kind) continue
      if (s.queue !== undefined && s.queue !== queue) continue
      if (!("rate" in s) || this.stream(kind).chance(s.rate)) return s
    }
    return undefined
  }

  private active(kind: Kind, queue: string): (QueueSwitch & { readonly id: string }) | undefined {
    return this.switches.find((s) => s.kind === kind && (s.queue === undefined || s.queue === queue))
  }

  addSwitch(s: QueueSwitch, now: number): QueueSwitch & { readonly id: string } {
    const id = s.id ?? `sw-${this.nextSwitch++}`
    const withId = { ...s, id }
    this.switches = [...this.switches.filter((x) => x.id !== id), withId]
    this.record({ at: now, op: "switch-on", fault: id, detail: JSON.stringify(withId), queue: s.queue })
    return withId
  }

  removeSwitch(id: string, now: number): boolean {
    const found = this.switches.find((s) => s.id === id)
    if (found === undefined) return false
    this.switches = this.switches.filter((s) => s.id !== id)
    this.record({ at: now, op: "switch-off", fault: id, queue: found.queue })
    // A cleared delay or outage may make messages receivable: wake long pollers.
    for (const q of this.queues.keys()) this.notify(q)
    return true
  }

  /** Outage and throttle switches, checked before any operation. Journals the rejection. */
  gate(queue: string | undefined, action: string, now: number, ctx: Ctx): SqsFailure | undefined {
    if (this.switches.length === 0) return undefined
    const down = this.fires("outage", queue)
    const throttled = down === undefined ? this.fires("throttle", queue) : undefined
    const by = down ?? throttled
    if (by === undefined) return undefined
    this.record({ at: now, op: "rejected", queue, fault: by.id, detail: action, correlationId: ctx.correlationId })
    return down !== undefined ? failures.unavailable(queue) : failures.throttled()
  }

  // ── long polling ────────────────────────────────────────────────────────────────────────────────────────────

  /** Calls `f` once, at the next change that may make a message of `queue` receivable. Returns an unsubscribe. */
  onChange(queue: string, f: () => void): () => void {
    let set = this.waiters.get(queue)
    if (set === undefined) {
      set = new Set()
      this.waiters.set(queue, set)
    }
    set.add(f)
    return () => set.delete(f)
  }

  private notify(queue: string): void {
    const set = this.waiters.get(queue)
    if (set === undefined || set.size === 0) return
    const fs = [...set]
    set.clear()
    // Woken after the current operation finishes, never inside it (no re-entrant receive while iterating).
    queueMicrotask(() => {
      for (const f of fs) f()
    })
  }

  /** The earliest time after `now` at which a message of `queue` becomes visible (or `undefined`). */
  nextVisibleAt(queue: string, now: number): number | undefined {
    const q = this.queues.get(queue)
    if (q === undefined) return undefined
    let next: number | undefined
    for (const m of q.messages.values())
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt
    return next
  }

  // ── queues ──────────────────────────────────────────────────────────────────────────────────────────────────

  arn(name: string): string {
    return `arn:aws:sqs:${this.options.region}:${this.options.account}:${name}`
  }

  url(name: string): string {
    return `${this.endpoint}/${this.options.account}/${name}`
  }

  /** The queue named by a URL (`http://host/000000000000/orders`) or a bare name. */
  resolve(urlOrName: string): Queue | SqsFailure {
    const slash = urlOrName.lastIndexOf("/")
    const name = slash < 0 ? urlOrName : urlOrName.slice(slash + 1)
    return this.queues.get(name) ?? failures.noQueue(name)
  }

  createQueue(name: string, attributes: Readonly<Record<string, string>>, now: number, ctx: Ctx): Queue | SqsFailure {
    const fifo = attributes.FifoQueue === "true"
    if (fifo ? !FIFO_NAME.test(name) : !NAME.test(name)) {
      return failures.invalid(
        fifo
          ? `QueueName: a FIFO queue name must be 1-80 characters of A-Z a-z 0-9 _ - ending in .fifo (got ${JSON.stringify(name)})`
          : `QueueName: must be 1-80 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(name)})`
      )
    }
    if (!fifo && name.endsWith(".fifo"))
      return failures.invalid(`QueueName: ${JSON.stringify(name)} ends in .fifo but FifoQueue is not "true"`)
    const existing = this.queues.get(name)
    const q: Queue = existing ?? {
      name,
      fifo,
      createdAt: now,
      lastModifiedAt: now,
      visibilityTimeout: 30,
      delaySeconds: 0,
      retentionSeconds: 345_600,
      waitSeconds: 0,
      maxSize: 262_144,
      contentDedup: false,
      redrive: undefined,
      messages: new Map(),
      dedup: new Map()
    }
    if (existing !== undefined) {
      // SQS: creating an existing queue with the same attributes returns it; different ones fail.
      const probe = { ...q, messages: new Map(), dedup: new Map() } as Queue
      const e = this.applyAttributes(probe, attributes, true)
      if (e !== undefined) return e
      const same =
        probe.fifo === q.fifo &&
        probe.visibilityTimeout === q.visibilityTimeout &&
        probe.delaySeconds === q.delaySeconds &&
        probe.retentionSeconds === q.retentionSeconds &&
        probe.waitSeconds === q.waitSeconds &&
        probe.maxSize === q.maxSize &&
        probe.contentDedup === q.contentDedup &&
        JSON.stringify(probe.redrive) === JSON.stringify(q.redrive)
      if (!same)
        return new SqsFailure(
          "QueueNameExists",
          `A queue already exists with the same name and different attributes (queue ${JSON.stringify(name)}).`,
          "QueueAlreadyExists"
        )
      return existing
    }
    const e = this.applyAttributes(q, attributes, true)
    if (e !== undefined) return e
    this.queues.set(name, q)
    this.record({
      at: now,
      op: "create-queue",
      queue: name,
      correlationId: ctx.correlationId,
      detail: fifo ? "fifo" : "standard"
    })
    return q
  }

  deleteQueue(q: Queue, now: number, ctx: Ctx): void {
    this.queues.delete(q.name)
    this.record({
      at: now,
      op: "delete-queue",
      queue: q.name,
      correlationId: ctx.correlationId,
      detail: `${q.messages.size} messages`
    })
    this.notify(q.name)
  }

  /** Validates and applies SQS queue attributes (strings, as on the wire). */
  applyAttributes(q: Queue, attributes: Readonly<Record<string, string>>, creating: boolean): SqsFailure | undefined {
    const int = (name: string, v: string, min: number, max: number): number | SqsFailure => {
      const n = Number(v)
      return /^\d+$/.test(v) && n >= min && n <= max
        ? n
        : new SqsFailure(
            "InvalidAttributeValue",
            `Attributes.${name}: must be an integer in ${min}..${max} (got ${JSON.stringify(v)})`
          )
    }
    const mutable = q as { -readonly [K in keyof Queue]: Queue[K] }
    for (const [name, v] of Object.entries(attributes)) {
      switch (name) {
        case "VisibilityTimeout": {
          const n = int(name, v, 0, 43_200)
          if (n instanceof SqsFailure) return n
          mutable.visibilityTimeout = n
          break
        }
        case "DelaySeconds": {
          const n = int(name, v, 0, 900)
          if (n instanceof SqsFailure) return n
          mutable.delaySeconds = n
          break
        }
        case "MessageRetentionPeriod": {
          const n = int(name, v, 60, 1_209_600)
          if (n instanceof SqsFailure) return n
          mutable.retentionSeconds = n
          break
        }
        case "ReceiveMessageWaitTimeSeconds": {
          const n = int(name, v, 0, 20)
          if (n instanceof SqsFailure) return n
          mutable.waitSeconds = n
          break
        }
        case "MaximumMessageSize": {
          const n = int(name, v, 1024, 1_048_576)
          if (n instanceof SqsFailure) return n
          mutable.maxSize = n
          break
        }
        case "FifoQueue":
          if (!creating)
            return new SqsFailure("InvalidAttributeName", "Attributes.FifoQueue: can only be set when creating a queue")
          if (v !== "true" && v !== "false")
            return new SqsFailure(
              "InvalidAttributeValue",
              `Attributes.FifoQueue: must be "true" or "false" (got ${JSON.stringify(v)})`
            )
          if ((v === "true") !== q.fifo)
            return new SqsFailure(
              "InvalidAttributeValue",
              `Attributes.FifoQueue: does not match the queue (got ${JSON.stringify(v)})`
            )
          break
        case "ContentBasedDeduplication":
          if (!q.fifo)
            return new SqsFailure("InvalidAttributeName", "Attributes.ContentBasedDeduplication: only for FIFO queues")
          if (v !== "true" && v !== "false")
            return new SqsFailure(
              "InvalidAttributeValue",
              `Attributes.ContentBasedDeduplication: must be "true" or "false" (got ${JSON.stringify(v)})`
            )
          mutable.contentDedup = v === "true"
          break
        case "RedrivePolicy": {
          if (v === "") {
            mutable.redrive = undefined
            break
          }
          const r = this.parseRedrive(v)
          if (r instanceof SqsFailure) return r
          mutable.redrive = r
          break
        }
        case "Policy":
        case "KmsMasterKeyId":
        case "KmsDataKeyReusePeriodSeconds":
        case "SqsManagedSseEnabled":
        case "RedriveAllowPolicy":
        case "DeduplicationScope":
        case "FifoThroughputLimit":
          // Accepted and ignored: access and encryption are not simulated.
          break
        default:
          return new SqsFailure("InvalidAttributeName", `Attributes: unknown attribute ${JSON.stringify(name)}`)
      }
    }
    return undefined
  }

  private parseRedrive(v: string): Redrive | SqsFailure {
    let raw: unknown
    try {
      raw = JSON.parse(v)
    } catch {
      return new SqsFailure("InvalidAttributeValue", `Attributes.RedrivePolicy: not JSON (got ${JSON.stringify(v)})`)
    }
    const o = (typeof raw === "object" && raw !== null ? raw : {}) as {
      deadLetterTargetArn?: unknown
      maxReceiveCount?: unknown
    }
    const arn = o.deadLetterTargetArn
    const max = Number(o.maxReceiveCount)
    if (typeof arn !== "string" || !arn.startsWith("arn:aws:sqs:"))
      return new SqsFailure(
        "InvalidAttributeValue",
        `Attributes.RedrivePolicy.deadLetterTargetArn: must be a queue ARN (got ${JSON.stringify(arn)})`
      )
    if (!Number.isInteger(max) || max < 1 || max > 1000)
      return new SqsFailure(
        "InvalidAttributeValue",
        `Attributes.RedrivePolicy.maxReceiveCount: must be an integer in 1..1000 (got ${JSON.stringify(o.maxReceiveCount)})`
      )
    const target = arn.slice(arn.lastIndexOf(":") + 1)
    if (!this.queues.has(target))
      return new SqsFailure(
        "InvalidAttributeValue",
        `Attributes.RedrivePolicy.deadLetterTargetArn: the dead-letter queue does not exist (got ${JSON.stringify(arn)})`
      )
    return { deadLetterTargetArn: arn, maxReceiveCount: max }
  }

  attributes(q: Queue, now: number): Record<string, string> {
    let visible = 0
    let inFlight = 0
    let delayed = 0
    for (const m of q.messages.values()) {
      if (m.visibleAt <= now) visible++
      else if (m.receiveCount > 0) inFlight++
      else delayed++
    }
    const out: Record<string, string> = {
      QueueArn: this.arn(q.name),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.lastModifiedAt / 1000)),
      VisibilityTimeout: String(q.visibilityTimeout),
      MaximumMessageSize: String(q.maxSize),
      MessageRetentionPeriod: String(q.retentionSeconds),
      DelaySeconds: String(q.delaySeconds),
      ReceiveMessageWaitTimeSeconds: String(q.waitSeconds),
      SqsManagedSseEnabled: "false"
    }
    if (q.redrive !== undefined)
      out.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: q.redrive.deadLetterTargetArn,
        maxReceiveCount: q.redrive.maxReceiveCount
      })
    if (q.fifo) {
      out.FifoQueue = "true"
      out.ContentBasedDeduplication = String(q.contentDedup)
    }
    return out
  }

  purge(q: Queue, now: number, ctx: Ctx): number {
    const n = q.messages.size
    for (const m of q.messages.values())
      this.record({
        at: now,
        op: "purge",
        queue: q.name,
        messageId: m.id,
        copy: m.copy || undefined,
        correlationId: m.correlationId ?? ctx.correlationId
      })
    q.messages.clear()
    return n
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────────────────────

  send(q: Queue, input: SendInput, now: number, ctx: Ctx): Sent | SqsFailure {
    if (input.body.length === 0) return failures.invalid("MessageBody: must not be empty")
    const size = Buffer.byteLength(input.body, "utf8")
    if (size > q.maxSize)
      return new SqsFailure(
        "InvalidParameterValue",
        `MessageBody: ${size} bytes is over the queue's MaximumMessageSize of ${q.maxSize}`
      )
    if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(input.body))
      return new SqsFailure(
        "InvalidMessageContents",
        "MessageBody: contains characters outside the allowed set (#x9 #xA #xD #x20-#xD7FF ...)"
      )
    const attributes = input.attributes ?? {}
    for (const [name, a] of Object.entries(attributes)) {
      if (!/^(String|Number|Binary)(\..+)?$/.test(a.DataType))
        return failures.invalid(
          `MessageAttributes.${name}.DataType: must be String, Number or Binary (got ${JSON.stringify(a.DataType)})`
        )
      if (a.StringValue === undefined && a.BinaryValue === undefined)
        return failures.invalid(`MessageAttributes.${name}: needs StringValue or BinaryValue`)
    }
    let dedupKey: string | undefined
    if (q.fifo) {
      if (input.groupId === undefined || input.groupId === "")
        return failures.missing("MessageGroupId: required for a FIFO queue")
      if (input.delaySeconds !== undefined && input.delaySeconds !== 0)
        return failures.invalid(
          `DelaySeconds: per-message delays are not allowed on FIFO queues (got ${input.delaySeconds})`
        )
      dedupKey = input.dedupId ?? (q.contentDedup ? createHash("sha256").update(input.body).digest("hex") : undefined)
      if (dedupKey === undefined)
        return failures.invalid(
          "MessageDeduplicationId: required unless the queue has ContentBasedDeduplication (the queue should either have it enabled or the id provided explicitly)"
        )
      const seen = q.dedup.get(dedupKey)
      if (seen !== undefined && now - seen.at < DEDUP_WINDOW_MS) {
        this.record({
          at: now,
          op: "send-deduplicated",
          queue: q.name,
          messageId: seen.id,
          group: input.groupId,
          correlationId: ctx.correlationId
        })
        return {
          messageId: seen.id,
          md5Body: md5(input.body),
          md5Attributes: md5OfAttributes(attributes),
          sequenceNumber: seen.seq
        }
      }
    }
    const delay = input.delaySeconds ?? q.delaySeconds
    let visibleAt = now + delay * 1000
    const delayed = this.switches.length === 0 ? undefined : this.fires("delay", q.name)
    if (delayed?.kind === "delay") visibleAt += this.stream("delay").nextInt(delayed.minMs, delayed.maxMs)
    const correlationId = correlationOf(attributes) ?? ctx.correlationId
    const sequenceNumber = q.fifo ? String(this.nextSequenceNumber++).padStart(20, "0") : undefined
    const msg: Msg = {
      key: this.nextKey++,
      id: this.uuid(),
      body: input.body,
      md5Body: md5(input.body),
      attributes,
      md5Attributes: md5OfAttributes(attributes),
      sentAt: now,
      group: input.groupId,
      dedupId: input.dedupId,
      sequenceNumber,
      correlationId,
      copy: false,
      visibleAt,
      receiveCount: 0,
      firstReceiveAt: undefined,
      receipt: undefined,
      deliveries: 0
    }
    q.messages.set(msg.key, msg)
    if (dedupKey !== undefined) q.dedup.set(dedupKey, { id: msg.id, at: now, seq: sequenceNumber })
    this.record({
      at: now,
      op: "send",
      queue: q.name,
      messageId: msg.id,
      group: msg.group,
      correlationId,
      fault: delayed?.id,
      detail: delayed === undefined ? undefined : `visible after ${visibleAt - now} ms`
    })
    if (visibleAt <= now) this.notify(q.name)
    return { messageId: msg.id, md5Body: msg.md5Body, md5Attributes: msg.md5Attributes, sequenceNumber }
  }

  receive(q: Queue, input: ReceiveInput, now: number, ctx: Ctx): Array<Delivered> {
    const max = input.max ?? 1
    const timeout = input.visibilityTimeout ?? q.visibilityTimeout
    const retentionMs = q.retentionSeconds * 1000
    const reorder = q.fifo || this.switches.length === 0 ? undefined : this.active("reorder", q.name)
    const want = reorder?.kind === "reorder" ? Math.max(max, reorder.window) : max
    const picked: Array<Msg> = []
    const blocked = new Set<string>()
    for (const m of q.messages.values()) {
      if (picked.length >= want) break
      if (now - m.sentAt >= retentionMs) {
        q.messages.delete(m.key)
        this.record({
          at: now,
          op: "expired",
          queue: q.name,
          messageId: m.id,
          receiveCount: m.receiveCount,
          copy: m.copy || undefined,
          correlationId: m.correlationId
        })
        continue
      }
      if (q.fifo) {
        const g = m.group ?? ""
        if (blocked.has(g)) continue
        if (m.visibleAt > now) {
          // An earlier message of this group is in flight (or delayed): the group waits, in order.
          blocked.add(g)
          continue
        }
      } else if (m.visibleAt > now) continue
      picked.push(m)
    }
    let chosen = picked
    if (reorder !== undefined && picked.length > 1) chosen = this.stream("reorder").shuffle(picked)
    const out: Array<Delivered> = []
    for (const m of chosen) {
      if (out.length >= max) break
      if (q.redrive !== undefined && m.receiveCount >= q.redrive.maxReceiveCount) {
        this.moveToDlq(q, m, now)
        continue
      }
      m.receiveCount++
      m.deliveries++
      m.firstReceiveAt ??= now
      m.visibleAt = now + timeout * 1000
      m.receipt = `${m.key}-${m.deliveries}-${this.ids.nextUint32().toString(16).padStart(8, "0")}`
      out.push({ msg: m, receipt: m.receipt })
      this.record({
        at: now,
        op: "receive",
        queue: q.name,
        messageId: m.id,
        receiveCount: m.receiveCount,
        group: m.group,
        correlationId: m.correlationId ?? ctx.correlationId,
        redelivery: m.receiveCount > 1 || undefined,
        copy: m.copy || undefined,
        fault: reorder?.id
      })
      if (!m.copy && !q.fifo && this.switches.length > 0) {
        const dup = this.fires("duplicate", q.name)
        if (dup?.kind === "duplicate") this.duplicate(q, m, now + dup.delayMs, dup.id, now)
      }
    }
    return out
  }

  private duplicate(q: Queue, m: Msg, visibleAt: number, fault: string, now: number): void {
    const copy: Msg = {
      ...m,
      key: this.nextKey++,
      copy: true,
      visibleAt,
      receiveCount: 0,
      firstReceiveAt: undefined,
      receipt: undefined,
      deliveries: 0
    }
    q.messages.set(copy.key, copy)
    this.record({
      at: now,
      op: "duplicate",
      queue: q.name,
      messageId: m.id,
      fault,
      copy: true,
      correlationId: m.correlationId
    })
    if (visibleAt <= now) this.notify(q.name)
  }

  private moveToDlq(q: Queue, m: Msg, now: number): void {
    const arn = q.redrive!.deadLetterTargetArn
    const target = this.queues.get(arn.slice(arn.lastIndexOf(":") + 1))
    q.messages.delete(m.key)
    this.record({
      at: now,
      op: "dlq",
      queue: q.name,
      messageId: m.id,
      receiveCount: m.receiveCount,
      group: m.group,
      correlationId: m.correlationId,
      copy: m.copy || undefined,
      detail: target === undefined ? `dead-letter queue ${arn} is gone: message dropped` : `to ${target.name}`
    })
    if (target === undefined) return
    const moved: Msg = { ...m, key: this.nextKey++, visibleAt: now, receipt: undefined }
    target.messages.set(moved.key, moved)
    this.notify(target.name)
  }

  private findByReceipt(q: Queue, receipt: string): { msg: Msg | undefined } | SqsFailure {
    const r = RECEIPT.exec(receipt)
    if (r === null)
      return new SqsFailure(
        "ReceiptHandleIsInvalid",
        `ReceiptHandle: not a receipt handle of this mock (got ${JSON.stringify(receipt.slice(0, 60))})`
      )
    return { msg: q.messages.get(Number(r[1])) }
  }

  delete(q: Queue, receipt: string, now: number, ctx: Ctx): SqsFailure | undefined {
    const found = this.findByReceipt(q, receipt)
    if (found instanceof SqsFailure) return found
    const m = found.msg
    if (m === undefined) {
      this.record({ at: now, op: "delete-gone", queue: q.name, correlationId: ctx.correlationId, detail: receipt })
      return undefined
    }
    const base = {
      at: now,
      queue: q.name,
      messageId: m.id,
      receiveCount: m.receiveCount,
      group: m.group,
      correlationId: m.correlationId ?? ctx.correlationId,
      copy: m.copy || undefined
    }
    if (m.receipt !== receipt) {
      // Documented SQS behaviour: an old receipt handle "succeeds, but the message will not be deleted".
      this.record({ ...base, op: "delete-stale", detail: receipt })
      return undefined
    }
    const lost = this.switches.length === 0 ? undefined : this.fires("lostAck", q.name)
    if (lost !== undefined) {
      this.record({ ...base, op: "delete-lost", fault: lost.id })
      return undefined
    }
    q.messages.delete(m.key)
    this.record({ ...base, op: "delete" })
    return undefined
  }

  changeVisibility(q: Queue, receipt: string, seconds: number, now: number, ctx: Ctx): SqsFailure | undefined {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      return failures.invalid(`VisibilityTimeout: must be an integer in 0..43200 (got ${seconds})`)
    const found = this.findByReceipt(q, receipt)
    if (found instanceof SqsFailure) return found
    const m = found.msg
    if (m === undefined || m.receipt !== receipt || m.visibleAt <= now)
      return new SqsFailure(
        "MessageNotInflight",
        `The message referred to is not in flight (receipt ${JSON.stringify(receipt)}).`,
        "AWS.SimpleQueueService.MessageNotInflight"
      )
    m.visibleAt = now + seconds * 1000
    this.record({
      at: now,
      op: "visibility",
      queue: q.name,
      messageId: m.id,
      receiveCount: m.receiveCount,
      correlationId: m.correlationId ?? ctx.correlationId,
      detail: `${seconds}s`
    })
    if (seconds === 0) this.notify(q.name)
    return undefined
  }
}

const correlationOf = (attrs: Readonly<Record<string, WireAttribute>>): string | undefined => {
  for (const n of CORRELATION_ATTRIBUTES) {
    const v = attrs[n]?.StringValue
    if (v !== undefined && v !== "") return v
  }
  return undefined
}
