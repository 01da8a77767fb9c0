import { readFileSync } from "node:fs"
import { join } from "node:path"
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

const file = join(import.meta.dirname, "sharded-load.yml")
const content = readFileSync(file, "utf8")

// GitHub's own workflow parser validates a workflow against the workflow schema (workflow-v1.0.json) it ships.
const check = (text: string) => {
  const result = parseWorkflow({ name: "sharded-load.yml", content: text }, new NoOperationTraceWriter())
  return { result, errors: result.context.errors.getErrors().map((e) => e.message) }
}

describe("examples/github-actions", () => {
  it("the workflow validates against GitHub's workflow schema", async () => {
    const { result, errors } = check(content)
    expect(errors).toEqual([])
    const template = await convertWorkflowTemplate(result.context, result.value!)
    expect(template.errors ?? []).toEqual([])
    expect(template.jobs.map((j) => j.id.value)).toEqual(["shard", "merge"])
  })

  it("the schema check has teeth: an unknown key is rejected", () => {
    const { errors } = check(content.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"))
    expect(errors.length).toBeGreaterThan(0)
  })

  it("a matrix of shards uploads each shard directory; the merge job downloads them, merges and gates", () => {
    const wf = parse(content) as {
      env: Record<string, string>
      jobs: Record<
        string,
        { needs?: string; strategy?: { matrix: { shard: Array<number> } }; steps: Array<Record<string, unknown>> }
      >
    }
    const shards = wf.jobs.shard!.strategy!.matrix.shard
    expect(shards).toEqual([0, 1, 2, 3])
    expect(Number(wf.env.H24_SHARD_COUNT)).toBe(shards.length)
    const uses = (job: string) => wf.jobs[job]!.steps.map((s) => s.uses ?? s.run)
    expect(uses("shard")).toContain("actions/upload-artifact@v4")
    expect(wf.jobs.merge!.needs).toBe("shard")
    const merge = uses("merge").join("\n")
    expect(merge).toContain("actions/download-artifact@v4")
    expect(merge).toContain("npx 24h merge")
    expect(merge).toContain("github/codeql-action/upload-sarif@v3")
    expect(merge).toContain("--fail-on fail")
  })
})
