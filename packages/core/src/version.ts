/**
 * The version of `@24h/core`, kept in step with package.json by a test.
 *
 * @example
 * ```ts
 * import { version } from "@24h/core"
 *
 * console.log(`@24h/core v${version}`)
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const version = "0.1.0"
