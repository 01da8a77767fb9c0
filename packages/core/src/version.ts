/** The version of `@24h/core`, kept in step with package.json by a test. @since 0.1.0 */
export const version = "0.1.0"
