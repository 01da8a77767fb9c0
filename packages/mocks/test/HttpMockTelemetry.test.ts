import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Load, Telemetry } from "@24h/core"
import { Effect } from "effect"
import { request } from "undici"
import { afterEach, describe, expect, it } from "vitest"
import { HttpLoad, HttpMock } from "../src/index.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "24h-mock-telemetry-"))
  dirs.push(d)
  return d
}

const routes: ReadonlyArray<HttpMock.RouteDef> = [
  { method: "GET", path: "/orders/:id", respond: { status: 200, json: { ok: true } } },
  { method: "GET", path: "/broken", respond: { status: 503, json: { error: "down" } } }
]
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(() => request(url, { headers }).then((r) => r.body.dump().then(() => r.statusCode)))

describe("HttpMock telemetry", () => {
  it("counts every request by method, route and status class; a span only for a sampled traceparent, its child", async () => {
    const dir = tempDir()
    const journal = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const mock = yield* HttpMock.make({ routes })
          yield* get(`${mock.url}/orders/1`, {
            traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
            "x-correlation-id": "c-1"
          })
          yield* get(`${mock.url}/orders/2`, { traceparent: `00-${TRACE}-00f067aa0ba902b8-00` }) // not sampled
          yield* get(`${mock.url}/orders/3`)
          yield* get(`${mock.url}/broken`, { traceparent: `00-${TRACE}-00f067aa0ba902b9-01` })
          yield* get(`${mock.url}/nowhere`)
          return yield* mock.journal
        })
      ).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    expect(journal.requests.map((e) => [e.correlationId, e.traceId])).toEqual([
      ["c-1", TRACE],
      [undefined, TRACE],
      [undefined, undefined],
      [undefined, TRACE],
      [undefined, undefined]
    ])
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    const series = points
      .filter((p) => p.name === "24h.mock.http.requests")
      .map((p) => [p.attributes["http.route"], p.attributes["http.response.status_class"], p.value])
      .sort()
    expect(series).toEqual([
      ["/broken", "5xx", 1],
      ["/orders/:id", "2xx", 3],
      ["unmatched", "4xx", 1]
    ])
    // Every series is registered (at 0) with its first request; only /broken moved.
    const errors = points.filter((p) => p.name === "24h.mock.http.errors" && p.value > 0)
    expect(errors.map((p) => [p.attributes["http.route"], p.value])).toEqual([["/broken", 1]])
    expect(points.filter((p) => p.name === "24h.mock.http.duration").reduce((n, p) => n + p.value, 0)).toBe(5)
    const spans = (await Effect.runPromise(Telemetry.readSpans(dir))).filter((s) => s.name === "HttpMock.request")
    expect(spans.map((s) => [s.traceId, s.parentSpanId, s.attributes["http.route"], s.status.code])).toEqual([
      [TRACE, "00f067aa0ba902b7", "/orders/:id", 1],
      [TRACE, "00f067aa0ba902b9", "/broken", Telemetry.STATUS_ERROR]
    ])
    expect(spans[0]!.attributes[Telemetry.CORRELATION_ATTRIBUTE]).toBe("c-1")
  })

  it("spans: 'all' records a root span for an untraced request; 'none' records none; a bad value is refused", async () => {
    const dir = tempDir()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const all = yield* HttpMock.make({ routes, spans: "all" })
          const none = yield* HttpMock.make({ routes, spans: "none" })
          yield* get(`${all.url}/orders/1`)
          yield* get(`${none.url}/orders/1`, { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })
        })
      ).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    const spans = (await Effect.runPromise(Telemetry.readSpans(dir))).filter((s) => s.name === "HttpMock.request")
    expect(spans).toHaveLength(1)
    expect(spans[0]!.parentSpanId).toBeUndefined()
    const bad = await Effect.runPromise(Effect.flip(Effect.scoped(HttpMock.make({ spans: "some" as "all" }))))
    expect(bad.message).toBe('HttpMock.make: spans must be "traced", "all" or "none" (got "some")')
  })

  it("HttpLoad sends the iteration span as traceparent under spans: true, and no traceparent without a span", async () => {
    const journal = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const mock = yield* HttpMock.make({ routes })
          const it = yield* HttpLoad.iteration({ url: `${mock.url}/orders/1`, connections: 1 })
          const seen: Array<string> = []
          yield* Load.run(
            Load.iterations(2, 1),
            (ctx) => {
              seen.push(ctx.span?.spanId ?? "none")
              return it(ctx)
            },
            { name: "traced", spans: true }
          )
          yield* Load.run(Load.iterations(2, 1), it, { name: "plain" })
          return { requests: (yield* mock.journal).requests, seen }
        })
      )
    )
    const traced = journal.requests.filter((e) => e.correlationId?.startsWith("traced-"))
    const plain = journal.requests.filter((e) => e.correlationId?.startsWith("plain-"))
    expect(traced.map((e) => String(e.headers.traceparent).split("-")[2])).toEqual(journal.seen)
    expect(traced.every((e) => e.traceId !== undefined)).toBe(true)
    expect(plain.map((e) => e.headers.traceparent)).toEqual([undefined, undefined])
  })
})
