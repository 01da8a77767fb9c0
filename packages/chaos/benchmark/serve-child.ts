/**
 * `24h proxy serve` exactly as the CLI runs it (its arguments are this script's), plus an IPC hook the aged benchmark
 * uses to force a full GC from outside: run with `--expose-gc`, send `"gc"`, get back the live heap after it.
 */
const gc = (globalThis as { gc?: () => void }).gc
process.on("message", (m) => {
  if (m !== "gc" || gc === undefined) return
  gc()
  process.send?.({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss })
})
await import("../../cli/src/bin.ts")
