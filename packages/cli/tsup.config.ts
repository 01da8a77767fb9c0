import { defineConfig } from "tsup"
import { packageConfig } from "../../tsup.base.ts"

/**
 * Two builds: the library (`dist/index.js`, dependencies external, like every package) and the program that the
 * committed launcher `bin/24h.mjs` runs (`dist/cli/bin.js`). The program is one bundle, every workspace package taken
 * from source and every dependency inlined and tree-shaken, split at each lazily loaded command group: Node then
 * resolves and reads a handful of files instead of some 1,300 modules, which is most of the cold start.
 */
export default defineConfig([
  { ...packageConfig(["src/index.ts"]), clean: ["dist/*.js", "dist/*.map"] },
  {
    entry: { bin: "src/bin.ts" },
    outDir: "dist/cli",
    format: ["esm"],
    target: "node20",
    platform: "node",
    splitting: true,
    sourcemap: false,
    clean: true,
    dts: false,
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ["@24h/source"]
      options.banner = {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
      }
    }
  }
])
