import { defineConfig, type Options } from "tsup"

/**
 * The JavaScript build every package shares: ESM for Node 20, code-split so a class is never duplicated across entry
 * chunks (which would break `instanceof`). Declarations are not bundled here: `tsc -p tsconfig.build.json` emits one
 * `.d.ts` per source file, because the bundled declarations dropped the value side of names that are both a zod
 * schema and its type inside `export * as Namespace` (e.g. `Finding.Severity`).
 */
export const packageConfig = (entry: ReadonlyArray<string>) =>
  defineConfig({
    entry: [...entry],
    format: ["esm"],
    target: "node20",
    platform: "node",
    splitting: true,
    sourcemap: true,
    clean: true,
    dts: false
  } satisfies Options)
