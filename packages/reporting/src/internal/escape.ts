/** Escaping for every output format. Everything that came from logs, findings or payloads goes through here. */

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

/** Text or attribute value for HTML. */
export const html = (value: unknown): string => String(value ?? "").replace(/[&<>"']/g, (c) => HTML[c]!)

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line separators are written as
 * `\uXXXX` so no `</script>` or `<!--` can appear in the page.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** Drops what XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/U+FFFF). */
const xmlChars = (s: string): string => {
  let out = ""
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000)
      out += ch
  }
  return out
}
const XML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" }

/** Text or attribute value for XML 1.0. */
export const xml = (value: unknown): string => xmlChars(String(value ?? "")).replace(/[&<>"']/g, (c) => XML[c]!)

/**
 * Inline text for Markdown: one line, HTML neutralised (GitHub renders raw HTML), Markdown punctuation that could
 * start a link, emphasis, code or a table cell escaped.
 */
export const md = (value: unknown): string =>
  String(value ?? "")
    .replace(/\r?\n|\r/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#!~])/g, "\\$1")

/** A fenced code block whose fence is longer than any backtick run inside. */
export const mdCode = (text: string, lang = ""): string => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = "`".repeat(longest + 1)
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`
}

/** An inline code span that survives backticks inside. */
export const mdInlineCode = (text: string): string => {
  const one = String(text).replace(/\r?\n|\r/g, " ")
  const longest = Math.max(0, ...[...one.matchAll(/`+/g)].map((m) => m[0].length))
  const tick = "`".repeat(longest + 1)
  const pad = one.startsWith("`") || one.endsWith("`") ? " " : ""
  return `${tick}${pad}${one}${pad}${tick}`
}

/** A relative link `[label](path)` to an artifact; the path's spaces and parentheses are percent-encoded. */
export const mdLink = (label: string, path: string): string =>
  `[${md(label)}](${path.replace(/[ ()<>]/g, (c) => encodeURIComponent(c))})`

/** Truncates to `max` characters with an ellipsis. */
export const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
