/**
 * The one XML escaper and the one Markdown escaper of 24h: the findings exports (JUnit, Markdown) and the reports of
 * `@24h/reporting` all escape through here, so a hostile title renders the same way everywhere.
 *
 * @since 0.2.0
 */

const XML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" }

/**
 * Text or an attribute value for XML 1.0: the five special characters as entities, and every character XML 1.0 does
 * not allow at all (control characters, lone surrogates, U+FFFE/U+FFFF) shown as U+FFFD, so nothing is dropped
 * silently.
 *
 * @example
 * ```ts
 * import { Escape } from "@24h/findings"
 * Escape.xml("<a & b>\u0000") // "&lt;a &amp; b&gt;\ufffd"
 * ```
 *
 * @category escaping
 * @since 0.2.0
 */
export const xml = (value: unknown): string =>
  String(value ?? "")
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/[&<>"']/g, (c) => XML[c] as string)

/**
 * An attribute value for XML 1.0: {@link xml}, and tab, line feed and carriage return as character references
 * (`&#9;`, `&#10;`, `&#13;`). A parser normalises a raw one to a space in an attribute, so a title with a line break
 * would not read back as itself.
 *
 * @example
 * ```ts
 * import { Escape } from "@24h/findings"
 * Escape.xmlAttribute("a\nb & c") // "a&#10;b &amp; c"
 * ```
 *
 * @category escaping
 * @since 0.2.0
 */
export const xmlAttribute = (value: unknown): string => xml(value).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * Inline text for Markdown (GitHub-flavoured): one line, raw HTML neutralised (GitHub renders it), and the
 * punctuation that could start a link, an image, emphasis, code, a heading, a list or a table cell escaped.
 *
 * @example
 * ```ts
 * import { Escape } from "@24h/findings"
 * Escape.md("<img src=x> [a](b) | *c*") // "&lt;img src=x&gt; \\[a\\](b) \\| \\*c\\*"
 * ```
 *
 * @category escaping
 * @since 0.2.0
 */
export const md = (value: unknown): string =>
  String(value ?? "")
    .replace(/\r?\n|\r/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#!~])/g, "\\$1")
    .replace(/^([+\-=]|\d+[.)])(?=\s|$)/, "\\$1")

/**
 * A fenced code block whose fence is longer than any backtick run inside, so the text cannot close it.
 *
 * @example
 * ```ts
 * import { Escape } from "@24h/findings"
 * Escape.mdCode("a ``` b") // "````\na ``` b\n````"
 * ```
 *
 * @category escaping
 * @since 0.2.0
 */
export const mdCode = (text: string, lang = ""): string => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = "`".repeat(longest + 1)
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`
}

/**
 * An inline code span that survives backticks inside (one line).
 *
 * @example
 * ```ts
 * import { Escape } from "@24h/findings"
 * Escape.mdInlineCode("a`b") // "``a`b``"
 * ```
 *
 * @category escaping
 * @since 0.2.0
 */
export const mdInlineCode = (text: string): string => {
  const one = String(text).replace(/\r?\n|\r/g, " ")
  const longest = Math.max(0, ...[...one.matchAll(/`+/g)].map((m) => m[0].length))
  const tick = "`".repeat(longest + 1)
  const pad = one.startsWith("`") || one.endsWith("`") ? " " : ""
  return `${tick}${pad}${one}${pad}${tick}`
}
