import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Job } from "kubernetes-models/batch/v1/Job"
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import { describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"

// kubernetes-models validates each object against the JSON schema generated from the Kubernetes OpenAPI spec.
const models: Record<string, new (data: never) => { validate(): void }> = {
  "batch/v1 Job": Job as never,
  "v1 PersistentVolumeClaim": PersistentVolumeClaim as never
}

const load = (file: string) =>
  parseAllDocuments(readFileSync(join(import.meta.dirname, file), "utf8")).map((d) => {
    expect(d.errors).toEqual([])
    return d.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> }
  })

const validate = (doc: { readonly apiVersion: string; readonly kind: string; readonly spec?: unknown }) => {
  const Model = models[`${doc.apiVersion} ${doc.kind}`]
  expect(Model, `${doc.apiVersion} ${doc.kind}`).toBeDefined()
  new Model!(doc as never).validate()
}

describe("examples/kubernetes", () => {
  it("every object validates against the Kubernetes schema", () => {
    const docs = [...load("shards-job.yaml"), ...load("merge-job.yaml")]
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      "PersistentVolumeClaim/h24-results",
      "Job/h24-load-shards",
      "Job/h24-load-merge"
    ])
    for (const d of docs) validate(d)
  })

  it("the schema check has teeth: a wrong field type is rejected", () => {
    const [, job] = load("shards-job.yaml")
    expect(() => validate({ ...job!, spec: { ...job!.spec, completions: "four" } })).toThrow(/completions/)
  })

  it("the Indexed Job gives every pod its shard: completions = parallelism = H24_SHARD_COUNT, results on the shared volume", () => {
    const [, job] = load("shards-job.yaml")
    const spec = job!.spec as unknown as {
      completionMode: string
      completions: number
      parallelism: number
      template: {
        spec: {
          containers: Array<{
            command: Array<string>
            env: Array<{ name: string; value: string }>
            volumeMounts: Array<{ mountPath: string }>
          }>
        }
      }
    }
    expect(spec.completionMode).toBe("Indexed")
    const container = spec.template.spec.containers[0]!
    const count = Number(container.env.find((e) => e.name === "H24_SHARD_COUNT")?.value)
    expect([spec.completions, spec.parallelism]).toEqual([count, count])
    // No --shard flag: the index comes from JOB_COMPLETION_INDEX, so one pod template serves every shard.
    expect(container.command).not.toContain("--shard")
    const out = container.command[container.command.indexOf("--out") + 1]!
    expect(out.startsWith(container.volumeMounts[0]!.mountPath)).toBe(true)
  })
})
