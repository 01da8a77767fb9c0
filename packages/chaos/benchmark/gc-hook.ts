/**
 * Preloaded (`--import`) into a proxy process by the aged benchmark, which runs it with `--expose-gc`: on the IPC
 * message `"gc"` it forces a full GC and answers with the live heap after it. Nothing else changes in the process.
 */
const gc = (globalThis as { gc?: () => void }).gc
process.on("message", (m) => {
  if (m !== "gc" || gc === undefined) return
  gc()
  process.send?.({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss })
})
