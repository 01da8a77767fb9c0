import * as fs from "node:fs"
import * as path from "node:path"

/** The repository root above `from` (the nearest directory holding `.git`), or `from` itself. */
export const repositoryRoot = (from: string = process.cwd()): string => {
  let dir = path.resolve(from)
  for (;;) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir
    const up = path.dirname(dir)
    if (up === dir) return path.resolve(from)
    dir = up
  }
}
