/**
 * Child process of `benchmark/Dataset.ts`: writes the customer scale tier and prints its summary with the peak
 * RSS. Bundled by the parent (esbuild) and run with plain `node`, so the figure is the library's, not tsx's.
 */
import { Effect } from "effect"
import { Dataset, Packs } from "../../src/index.ts"

const [path, count] = [process.argv[2]!, Number(process.argv[3])]
const t0 = performance.now()
const summary = await Effect.runPromise(
  Dataset.write(Packs.customer, { tier: "scale", seed: 42, count, path, progress: false })
)
const seconds = (performance.now() - t0) / 1000
process.stdout.write(JSON.stringify({ ...summary, seconds, maxRssKb: process.resourceUsage().maxRSS }))
