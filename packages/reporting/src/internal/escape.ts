/** Escaping for every output format. Everything that came from logs, findings or payloads goes through here. */
import { Escape } from "@24h/findings"

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

/** Text or attribute value for HTML. */
export const html = (value: unknown): string => String(value ?? "").replace(/[&<>"']/g, (c) => HTML[c]!)

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line separators are written as
 * `\uXXXX` so no `</script>` or `<!--` can appear in the page.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** XML and Markdown escaping have one home, `Escape` of `@24h/findings`, shared with the findings exports. */
export const xml = Escape.xml
export const md = Escape.md
export const mdCode = Escape.mdCode
export const mdInlineCode = Escape.mdInlineCode

/** A relative link `[label](path)` to an artifact; the path's spaces and parentheses are percent-encoded. */
export const mdLink = (label: string, path: string): string =>
  `[${md(label)}](${path.replace(/[ ()<>]/g, (c) => encodeURIComponent(c))})`

/** Truncates to `max` characters with an ellipsis. */
export const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
