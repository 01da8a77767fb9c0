import { createRequire } from "node:module"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Escape, Junit, Ledger, Markdown } from "../src/index.ts"
import { payload } from "./helpers.ts"

/** markdown-it with raw HTML on and GFM tables: what GitHub would do with the Markdown before sanitising. */
interface MarkdownIt {
  render(src: string): string
}
const markdownIt = createRequire(import.meta.url)("markdown-it") as (options: { html: boolean }) => MarkdownIt
const gfm = markdownIt({ html: true })

const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "[click me](javascript:alert(1))",
  "![pixel](https://attacker.example/p.png)",
  "a | b | c",
  "**bold** _em_ `code` ~~strike~~",
  "# not a heading",
  "line one\n## injected heading",
  "</td></tr><script>alert(2)</script>"
]

const findings = () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const l = yield* Ledger.makeMemory()
      for (const [i, title] of HOSTILE.entries())
        yield* l.add({
          type: "bug",
          entryId: "e",
          agent: "a",
          payload: payload({ title: title.replace(/\n/g, " "), component: `c${i}`, description: title })
        })
      return yield* l.list()
    })
  )

describe("the one Markdown escaper, rendered as GitHub-flavoured Markdown", () => {
  it("hostile titles and descriptions render as their own text: no tag, link, image, emphasis, heading or cell", async () => {
    const html = gfm.render(Markdown.toMarkdown(await findings()))
    expect(html).not.toMatch(/<img|<script|<a |<strong>|<em>|<code>not|<del>/)
    expect(html).not.toMatch(/href="javascript|src="https:\/\/attacker/)
    // Only the document's own headings: the title, and one h2 per finding.
    expect(html.match(/<h1>/g)).toHaveLength(1)
    expect(html.match(/<h2>/g)).toHaveLength(HOSTILE.length)
    // Each finding's property table keeps its two columns: a `|` in a title does not add cells.
    for (const table of html.split("<table>").slice(2)) {
      const row = table.slice(0, table.indexOf("</tr>"))
      expect(row.match(/<t[hd][ >]/g)).toHaveLength(2)
    }
    // The text itself is all there, visible.
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;")
    expect(html).toContain("[click me](javascript:alert(1))") // shown as text, not linked
  })

  it("Escape.md escapes line starts that would begin a list or heading", () => {
    expect(gfm.render(Escape.md("- item"))).not.toContain("<li>")
    expect(gfm.render(Escape.md("1. first"))).not.toContain("<ol>")
    expect(gfm.render(Escape.md("# h"))).not.toContain("<h1>")
  })
})

describe("the one XML escaper", () => {
  it("Escape.xmlAttribute keeps tabs and line breaks as character references (a parser turns raw ones into spaces)", () => {
    expect(Escape.xmlAttribute('a\nb\r\tc <"&>')).toBe("a&#10;b&#13;&#9;c &lt;&quot;&amp;&gt;")
    expect(Escape.xmlAttribute("\u0000")).toBe("\ufffd")
  })

  it("JUnit and the reports escape alike; characters XML forbids become U+FFFD, never dropped", async () => {
    expect(Junit.escapeXml).toBeDefined()
    expect(Escape.xml("<a & 'b'>\u0000\u001b\ud800")).toBe("&lt;a &amp; &apos;b&apos;&gt;\ufffd\ufffd\ufffd")
    const xml = Junit.toJunit(await findings(), { failOn: "low" })
    expect(xml).not.toMatch(/<script|<img/)
    expect(xml).toContain("&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(2)&lt;/script&gt;")
  })
})
