/**
 * Bad HttpMock / LlmMock options, routes and switches fail with a `MocksError` that names the module, the field and
 * the value as data (not only in the message).
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { HttpMock, LlmMock, type MocksError, QueueMock, Sensor } from "../src/index.ts"

const makeError = (options: HttpMock.Options): Promise<MocksError> =>
  Effect.runPromise(Effect.flip(Effect.scoped(HttpMock.make(options))))

describe("HttpMock error data", () => {
  it("a bad option exposes module, field and value", async () => {
    const cases: ReadonlyArray<readonly [HttpMock.Options, string, unknown]> = [
      [{ maxBodyBytes: -1 }, "maxBodyBytes", -1],
      [{ journalLimit: 0 }, "journalLimit", 0],
      [{ admin: "admin/" }, "admin", "admin/"],
      [{ spans: "some" as never }, "spans", "some"]
    ]
    for (const [options, field, value] of cases) {
      const e = await makeError(options)
      expect(e).toMatchObject({ _tag: "MocksError", reason: "InvalidOptions", module: "HttpMock.make", field, value })
      expect(e.message).toContain(`HttpMock.make: ${field} must`)
    }
  })

  it("a bad route given to make exposes field and value", async () => {
    const e = await makeError({ routes: [{ id: "u", method: "GET", path: "users", respond: { json: 1 } }] })
    expect(e).toMatchObject({ reason: "InvalidRoute", module: 'HttpMock.route("u")', field: "path", value: "users" })
    expect(e.message).toContain('HttpMock.route("u").path: must start with "/"')
    const missing = await makeError({ routes: [{ path: "/x" } as never] })
    expect(missing).toMatchObject({ reason: "InvalidRoute", module: 'HttpMock.route("/x")', field: "respond" })
    expect(missing.message).toContain("respond: required")
  })

  it("mock.route exposes field and value for a bad method and a duplicate id", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const mock = yield* HttpMock.make({ routes: [{ id: "a", path: "/a", respond: { json: 1 } }] })
          const method = yield* Effect.flip(mock.route({ id: "b", method: "FETCH", path: "/b", respond: { json: 1 } }))
          expect(method).toMatchObject({ reason: "InvalidRoute", field: "method", value: "FETCH" })
          const dup = yield* Effect.flip(mock.route({ id: "a", path: "/c", respond: { json: 1 } }))
          expect(dup).toMatchObject({ reason: "InvalidRoute", module: 'HttpMock.route("a")', field: "id", value: "a" })
          expect(dup.message).toBe('HttpMock.route("a").id: a route with this id already exists')
        })
      )
    ))

  it("a bad switch in a list names its index in the field", async () => {
    const e = await makeError({
      switches: [
        { kind: "throttle", limit: 100, windowMs: 1000 },
        { kind: "throttle", limit: -1, windowMs: 1000 }
      ]
    })
    expect(e).toMatchObject({ reason: "InvalidSwitch", field: "switches[1].limit", value: -1 })
    expect(e.message).toMatch(/^switches\[1\]: /)
  })
})

describe("LlmMock error data", () => {
  it("a bad option exposes module, field and value", async () => {
    const e = await Effect.runPromise(Effect.flip(Effect.scoped(LlmMock.make({ physics: { jitter: 2 } }))))
    expect(e).toMatchObject({ reason: "InvalidOptions", module: "LlmMock.make", field: "physics.jitter", value: 2 })
    expect(e.message).toBe("LlmMock.make: physics.jitter must be in [0, 1] (got 2)")
  })
})

describe("the seed option of every mock", () => {
  it("a bad seed fails with InvalidOptions naming the mock, the field and the value, with one message", async () => {
    const bad = -0.5
    const errors = await Promise.all([
      makeError({ seed: bad }),
      Effect.runPromise(Effect.flip(Effect.scoped(LlmMock.make({ seed: bad })))),
      Effect.runPromise(Effect.flip(Effect.scoped(QueueMock.make({ seed: bad })))),
      Effect.runPromise(
        Effect.flip(
          Sensor.make({ name: "t", rateHz: 1, samples: 10, signal: { kind: "constant", value: 1 } }, { seed: bad })
        )
      )
    ])
    for (const [e, where] of errors.map((e, i) => [e, ["HttpMock", "LlmMock", "QueueMock", "Sensor"][i]] as const)) {
      expect(e).toMatchObject({ reason: "InvalidOptions", module: `${where}.make`, field: "seed", value: bad })
      expect(e.message).toBe(
        `${where}.make: seed: Seed.make: root must be a safe integer or a non-empty string (got -0.5)`
      )
    }
  })
})
