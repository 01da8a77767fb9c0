/**
 * `@24h/cli` — the `24h` binary, also usable programmatically.
 *
 * @since 0.1.0
 */
export { type Group, groups, root, run, type Services } from "./main.ts"
export { version } from "./version.ts"
