import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  sourcemap: true,
  clean: true,
  banner: ({ format }) => (format === "esm" ? {} : {}),
  dts: { entry: ["src/index.ts"], compilerOptions: { ignoreDeprecations: "6.0", customConditions: [] } }
})
