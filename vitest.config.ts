import { defineConfig } from "vitest/config"

const conditions = ["@24h/source"]
const packages = ["core", "mocks", "chaos", "findings", "reporting", "cli"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // A JSON report beside the console output, so CI can print "N passed, N failed" for every leg.
    reporters: ["default", "json"],
    outputFile: { json: process.env.VITEST_JSON ?? "test-results/vitest.json" },
    // Real sockets, child processes and files: give them room, but never wait forever.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ["test/**/*.test.ts"] }
      })),
      {
        extends: true as const,
        test: {
          name: "examples",
          root: "examples",
          include: ["**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          // GitHub's workflow parser imports its schema JSON without an import attribute, which Node refuses: let
          // vite transform it (examples/github-actions/workflow.test.ts).
          server: { deps: { inline: ["@actions/workflow-parser"] } }
        }
      }
    ]
  }
})
