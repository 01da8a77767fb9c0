/**
 * A small reader for the EDN that Jepsen histories use: maps, vectors, lists, sets, keywords, strings, integers,
 * floats, `nil`, `true` / `false` and symbols. Keywords become strings without the colon (`:ok` → `"ok"`), maps
 * become plain objects keyed the same way, vectors / lists / sets become arrays. Tagged literals (`#inst "…"`) keep
 * their value. Commas are whitespace, `;` starts a comment.
 */

export class EdnSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number
  ) {
    super(message)
  }
}

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 44
const isDelim = (c: number) =>
  isWs(c) || c === 123 || c === 125 || c === 91 || c === 93 || c === 40 || c === 41 || c === 34 || c === 59

/** Parses one EDN value from `text` (the whole text must be one value). */
export const parseEdn = (text: string): unknown => {
  let i = 0
  const skip = () => {
    for (;;) {
      while (i < text.length && isWs(text.charCodeAt(i))) i++
      if (text.charCodeAt(i) === 59) {
        while (i < text.length && text.charCodeAt(i) !== 10) i++
        continue
      }
      return
    }
  }
  const token = (): string => {
    const start = i
    while (i < text.length && !isDelim(text.charCodeAt(i))) i++
    return text.slice(start, i)
  }
  const seq = (close: number): Array<unknown> => {
    const out: Array<unknown> = []
    for (;;) {
      skip()
      if (i >= text.length) throw new EdnSyntaxError(`unterminated collection`, i)
      if (text.charCodeAt(i) === close) {
        i++
        return out
      }
      out.push(value())
    }
  }
  const value = (): unknown => {
    skip()
    if (i >= text.length) throw new EdnSyntaxError("expected a value, got the end of the line", i)
    const c = text.charCodeAt(i)
    if (c === 123) {
      i++
      const items = seq(125)
      if (items.length % 2 !== 0) throw new EdnSyntaxError("a map needs an even number of forms", i)
      const obj: Record<string, unknown> = {}
      for (let k = 0; k < items.length; k += 2) obj[String(items[k])] = items[k + 1]
      return obj
    }
    if (c === 91) {
      i++
      return seq(93)
    }
    if (c === 40) {
      i++
      return seq(41)
    }
    if (c === 35) {
      i++
      if (text.charCodeAt(i) === 123) {
        i++
        return seq(125)
      }
      if (text.charCodeAt(i) === 95) {
        i++
        value()
        return value()
      }
      token()
      return value()
    }
    if (c === 34) {
      i++
      let out = ""
      let start = i
      for (;;) {
        if (i >= text.length) throw new EdnSyntaxError("unterminated string", i)
        const d = text.charCodeAt(i)
        if (d === 34) {
          out += text.slice(start, i)
          i++
          return out
        }
        if (d === 92) {
          out += text.slice(start, i)
          const esc = text[i + 1]
          out += esc === "n" ? "\n" : esc === "t" ? "\t" : esc === "r" ? "\r" : (esc ?? "")
          i += 2
          start = i
          continue
        }
        i++
      }
    }
    if (c === 125 || c === 93 || c === 41) throw new EdnSyntaxError(`unexpected ${text[i]}`, i)
    const t = token()
    if (t.startsWith(":")) return t.slice(1)
    if (t === "nil") return null
    if (t === "true") return true
    if (t === "false") return false
    if (/^[-+]?\d+N?$/.test(t)) return Number(t.replace(/N$/, ""))
    if (/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\d*\.\d+([eE][-+]?\d+)?)M?$/.test(t)) return Number(t.replace(/M$/, ""))
    if (t.length === 0) throw new EdnSyntaxError(`unexpected ${JSON.stringify(text[i])}`, i)
    return t
  }
  const v = value()
  skip()
  if (i < text.length)
    throw new EdnSyntaxError(`unexpected text after the value: ${JSON.stringify(text.slice(i, i + 20))}`, i)
  return v
}
