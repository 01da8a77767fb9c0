import { defineConfig, type Options } from "tsup"

/**
 * The build every package shares: ESM for Node 20, code-split so a class is never duplicated across entry chunks
 * (which would break `instanceof`), declarations against the dependencies' built `.d.ts` (no source condition).
 */
export const packageConfig = (entry: ReadonlyArray<string>, dtsEntry: ReadonlyArray<string> = entry) =>
  defineConfig({
    entry: [...entry],
    format: ["esm"],
    target: "node20",
    platform: "node",
    splitting: true,
    sourcemap: true,
    clean: true,
    dts: { entry: [...dtsEntry], compilerOptions: { ignoreDeprecations: "6.0", customConditions: [] } }
  } satisfies Options)
