import { packageConfig } from "../../tsup.base.ts"

// bin.ts is the executable; only the programmatic entry needs declarations.
export default packageConfig(["src/index.ts", "src/bin.ts"], ["src/index.ts"])
