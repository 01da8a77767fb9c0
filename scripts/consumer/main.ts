// Type-checked by scripts/smoke.mjs against the BUILT declarations (no source condition, skipLibCheck off), as a
// user's project sees them: values that share a name with their type must keep both sides.
import { TcpProxy, Toxic } from "@24h/chaos"
import { run as run24h } from "@24h/cli"
import { Histogram, Pipeline, Run, Seed } from "@24h/core"
import { CliExit, ExitCode } from "@24h/core/cli"
import { Finding, Ledger } from "@24h/findings"
import { Dataset, HttpMock, Packs } from "@24h/mocks"
import { FinalReport, type LogAnalysis, Scorecard } from "@24h/reporting"
import type { Effect } from "effect"

const severities: ReadonlyArray<Finding.Severity> = Finding.Severity.options
const encoded: Histogram.Encoded = Histogram.Encoded.parse(Histogram.encode(Histogram.make()))
const kind: Pipeline.Kind = Pipeline.Kind.parse("chaos")
const meta: Run.RunFields = Run.RunFields.parse({ ENTRY_ID: "e", ENTRY_TITLE: "t" })
const toxic: Toxic.Toxic = Toxic.latency({ latency: 100, jitter: 10 })
const customers = Dataset.sample(Packs.customer, { seed: Seed.make(1), count: 1 })
const proxy: Effect.Effect<TcpProxy.TcpProxy, unknown, unknown> = TcpProxy.make({ upstream: "127.0.0.1:1" })
const mock: Effect.Effect<HttpMock.HttpMock, unknown, unknown> = HttpMock.make({})
const ledger = Ledger.layerMemory()
const report: Effect.Effect<FinalReport.Report, unknown> = FinalReport.make("runs/x/latest")
const stats: LogAnalysis.Stats | undefined = undefined
const card: Effect.Effect<Scorecard.Scorecard, unknown> = Scorecard.make({
  dimensions: {
    discoverability: { score: 5, explanation: "x" },
    contracts: { score: 5, explanation: "x" },
    errors: { score: 5, explanation: "x" },
    boilerplate: { score: 5, explanation: "x" },
    flexibility: { score: 5, explanation: "x" }
  }
})
const exit = new CliExit({ code: ExitCode.Usage, message: "m" })
const cli = run24h(["--version"])

export { card, cli, customers, encoded, exit, kind, ledger, meta, mock, proxy, report, severities, stats, toxic }
