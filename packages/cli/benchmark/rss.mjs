// Preloaded into every measured process (`node --import`): appends its peak RSS (KiB) to $H24_BENCH_RSS at exit.
import { appendFileSync } from "node:fs"

const file = process.env.H24_BENCH_RSS
if (file !== undefined) process.on("exit", () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
