import * as net from "node:net"
import { Readable } from "node:stream"
import { Seed } from "@24h/core"
import { Effect } from "effect"
import { type Agent, request } from "undici"
import { afterAll, describe, expect, it } from "vitest"
import { HttpMock } from "../src/index.ts"
import { newAgent, withMock } from "./helpers.ts"

const agent: Agent = newAgent()
afterAll(() => agent.close())

const echo: ReadonlyArray<HttpMock.RouteDef> = [
  { id: "echo", method: "POST", path: "/echo", respond: (req) => ({ json: { bytes: req.body.length } }) }
]

describe("HttpMock seeding", () => {
  it("takes its seed from the RootSeed service, else H24_SEED — like TcpProxy — not from 0", async () => {
    const fromService = await Effect.runPromise(
      Effect.scoped(HttpMock.make({ routes: echo })).pipe(
        Effect.map((m) => m.seed),
        Effect.provideService(Seed.RootSeed, Seed.make(4242))
      )
    )
    expect(fromService).toEqual(Seed.make(4242))
    const previous = process.env.H24_SEED
    process.env.H24_SEED = "777"
    try {
      const fromEnv = await Effect.runPromise(Effect.scoped(Effect.map(HttpMock.make({ routes: echo }), (m) => m.seed)))
      expect(fromEnv).toEqual(Seed.make(777))
    } finally {
      if (previous === undefined) delete process.env.H24_SEED
      else process.env.H24_SEED = previous
    }
    const explicit = await Effect.runPromise(
      Effect.scoped(HttpMock.make({ routes: echo, seed: 9 })).pipe(
        Effect.map((m) => m.seed),
        Effect.provideService(Seed.RootSeed, Seed.make(4242))
      )
    )
    expect(explicit).toEqual(Seed.make(9))
  })
})

describe("HttpMock request bodies", () => {
  it("answers 413 to a body over the limit, from content-length, with a JSON message", async () => {
    await withMock({ routes: echo, maxBodyBytes: 1_000, seed: 1 }, async (mock) => {
      const ok = await request(`${mock.url}/echo`, { method: "POST", body: "x".repeat(1_000), dispatcher: agent })
      expect(ok.statusCode).toBe(200)
      expect(await ok.body.json()).toEqual({ bytes: 1_000 })
      const big = await request(`${mock.url}/echo`, { method: "POST", body: "x".repeat(5_000), dispatcher: agent })
      expect(big.statusCode).toBe(413)
      const doc = (await big.body.json()) as { error: string; message: string }
      expect(doc.error).toBe("PayloadTooLarge")
      expect(doc.message).toContain("content-length 5000, more than the mock's limit of 1000 bytes")
    })
  })

  it("answers 413 to a chunked body once it passes the limit (no content-length to trust)", async () => {
    await withMock({ routes: echo, maxBodyBytes: 1_000, seed: 1 }, async (mock) => {
      const chunks = Readable.from(Array.from({ length: 10 }, () => Buffer.alloc(500, 120)))
      const r = await request(`${mock.url}/echo`, { method: "POST", body: chunks, dispatcher: agent }).then(
        (res) => res.statusCode,
        (e: Error) => e.message
      )
      // The mock answers 413 and closes; the client sees the 413, or the close when it was still sending.
      if (typeof r === "number") expect(r).toBe(413)
      else expect(r).toMatch(/closed|reset|EPIPE|other side/i)
      const journal = await Effect.runPromise(mock.journal)
      expect(journal.requests.filter((e) => e.path === "/echo")).toHaveLength(0)
    })
  })

  it("does not leave a request hanging when the client fails mid-body", async () => {
    await withMock({ routes: echo, seed: 1 }, async (mock) => {
      const { port } = new URL(mock.url)
      const socket = net.connect(Number(port), "127.0.0.1")
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
      const closed = new Promise<string>((resolve) => {
        let got = ""
        socket.on("data", (d) => (got += d.toString()))
        socket.on("close", () => resolve(got))
      })
      // A chunked body whose chunk size is not hexadecimal: the parser fails mid-body.
      socket.write("POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
      const answer = await closed
      expect(answer === "" || /^HTTP\/1\.1 400/.test(answer)).toBe(true)
    })
  })

  it("refuses a bad limit, naming the option and value", async () => {
    const exit = await Effect.runPromise(Effect.flip(Effect.scoped(HttpMock.make({ maxBodyBytes: -1, seed: 1 }))))
    expect(exit.message).toContain("maxBodyBytes must be a non-negative integer (got -1)")
  })
})
