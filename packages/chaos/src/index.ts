/**
 * `@24h/chaos`.
 *
 * @since 0.1.0
 */
export {}
