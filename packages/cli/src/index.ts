/**
 * `@24h/cli` — the `24h` binary, also usable programmatically.
 *
 * @since 0.1.0
 */
export { root, run } from "./main.ts"
export { version } from "./version.ts"
