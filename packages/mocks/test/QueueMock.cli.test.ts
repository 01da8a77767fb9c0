import { type ChildProcess, spawn } from "node:child_process"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterEach, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const children: Array<ChildProcess> = []
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const closed = new Promise((done) => c.once("close", done))
      c.kill("SIGKILL")
      await closed
    }
  }
})

const start = (args: ReadonlyArray<string>) => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@24h/source", bin, "mock", "queue", ...args],
    {
      cwd: repo,
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  children.push(child)
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  const firstLine = new Promise<string>((done, fail) => {
    const rl = createInterface({ input: child.stdout })
    rl.once("line", (l) => {
      rl.close()
      done(l)
    })
    child.once("close", (code) => fail(new Error(`exited ${code} before printing: ${stderr}`)))
  })
  return { child, firstLine, stderr: () => stderr }
}

describe("24h mock queue", () => {
  it("prints the endpoint as one JSON document, serves the SQS client, and stops on SIGTERM", async () => {
    const { child, firstLine } = start(["--seed", "42", "--queue", "orders,pay.fifo", "--json"])
    const info = JSON.parse(await firstLine) as { ok: boolean; endpoint: string; seed: number; queues: Array<string> }
    expect(info.ok).toBe(true)
    expect(info.seed).toBe(42)
    expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.queues).toEqual([`${info.endpoint}/000000000000/orders`, `${info.endpoint}/000000000000/pay.fifo`])
    const sqs = new SQSClient({
      endpoint: info.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" }
    })
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: info.queues[0], MessageBody: "hello" }))
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: info.queues[0], WaitTimeSeconds: 1 }))
      expect(got.Messages?.map((m) => m.Body)).toEqual(["hello"])
    } finally {
      sqs.destroy()
    }
    const closed = new Promise<number | null>((done) => child.once("close", (code) => done(code)))
    child.kill("SIGTERM")
    await closed
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true)
  })

  it("a bad queue name exits 2 with the name in the JSON error", async () => {
    const { child, firstLine } = start(["--queue", "bad name!", "--json"])
    const out = JSON.parse(await firstLine) as { ok: boolean; error: { reason: string; message: string } }
    expect(out.ok).toBe(false)
    expect(out.error.reason).toBe("InvalidOptions")
    expect(out.error.message).toContain('"bad name!"')
    const code = await new Promise<number | null>((done) =>
      child.exitCode !== null ? done(child.exitCode) : child.once("close", (c) => done(c))
    )
    expect(code).toBe(2)
  })
})
