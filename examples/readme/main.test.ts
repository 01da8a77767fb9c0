import { mkdtempSync, readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { program } from "./main.ts"

describe("README quick start", () => {
  it("is this file, verbatim, and runs against a real server", async () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8")
    const source = readFileSync(join(import.meta.dirname, "main.ts"), "utf8").trim()
    expect(readme).toContain(`\`\`\`ts\n${source}\n\`\`\``)

    const server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":1}')
    )
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const result = await Effect.runPromise(program(url, mkdtempSync(join(tmpdir(), "24h-readme-"))))
      expect(result.requests).toBe(100)
      expect(result.invariants.passed).toBe(true)
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})
