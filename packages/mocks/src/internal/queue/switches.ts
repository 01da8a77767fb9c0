/**
 * Queue failure switches: plain JSON validated with zod, so the Effect API, the admin endpoint and a `Fault` share
 * one shape. Every probabilistic decision draws from a stream derived from the mock's seed (`mocks/queue/<kind>`).
 */
import { Result } from "effect"
import { z } from "zod"
import { type MocksError, zodError } from "../../MocksError.ts"

const rate = z.number().min(0).max(1).default(1)
const common = {
  /** Set by the mock when absent: `sw-<n>`. */
  id: z.string().min(1).optional(),
  /** Only this queue (its name). Default: every queue. */
  queue: z.string().min(1).optional()
}

/** A delivered message is delivered again later (a second copy, same MessageId, after `delayMs`). */
export const Duplicate = z
  .object({ ...common, kind: z.literal("duplicate"), rate, delayMs: z.int().min(0).max(3_600_000).default(0) })
  .strict()

/** A receive takes messages in a seeded order from the first `window` visible ones (standard queues only). */
export const Reorder = z.object({ ...common, kind: z.literal("reorder"), window: z.int().min(2).max(10_000) }).strict()

/** A sent message becomes visible only after a seeded delay in `minMs`..`maxMs`. */
export const Delay = z
  .object({
    ...common,
    kind: z.literal("delay"),
    rate,
    minMs: z.int().min(0).max(3_600_000),
    maxMs: z.int().min(0).max(3_600_000)
  })
  .strict()
  .refine((s) => s.maxMs >= s.minMs, { path: ["maxMs"], message: "must be >= minMs" })

/** A delete is acknowledged but not done: the message reappears when its visibility timeout ends. */
export const LostAck = z.object({ ...common, kind: z.literal("lostAck"), rate }).strict()

/** The broker is down: requests fail (HTTP 503 `ServiceUnavailable`) for a fraction `rate` of them (default all). */
export const Outage = z.object({ ...common, kind: z.literal("outage"), rate }).strict()

/** Requests are refused with `RequestThrottled` (HTTP 400, retried by the AWS SDK) for a fraction `rate`. */
export const Throttle = z.object({ ...common, kind: z.literal("throttle"), rate }).strict()

export const QueueSwitch = z.discriminatedUnion("kind", [Duplicate, Reorder, Delay, LostAck, Outage, Throttle])
export type QueueSwitch = z.infer<typeof QueueSwitch>
export type QueueSwitchInput = z.input<typeof QueueSwitch>
export type Kind = QueueSwitch["kind"]
export const kinds: ReadonlyArray<Kind> = ["duplicate", "reorder", "delay", "lostAck", "outage", "throttle"]

/** Parses one switch; an `InvalidSwitch` error names the field and the value (as text and as data). */
export const parse = (input: unknown, where = "switch"): Result.Result<QueueSwitch, MocksError> => {
  const r = QueueSwitch.safeParse(input)
  if (r.success) return Result.succeed(r.data)
  const issues = r.error.issues.map((i) => ({
    path: i.path,
    message:
      i.code === "invalid_union" && i.path.length === 0 && "discriminator" in i
        ? `kind must be one of ${kinds.join(", ")}`
        : i.message,
    input: i.path.length === 0 ? (input as { kind?: unknown } | undefined)?.kind : pick(input, i.path)
  }))
  return Result.fail(zodError("InvalidSwitch", where, issues))
}

const pick = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v: unknown = input
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}
