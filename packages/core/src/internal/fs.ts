import { randomBytes } from "node:crypto"
import { open, rename, unlink } from "node:fs/promises"

/** Writes a file atomically: a temp file in the same folder, fsync'd, then renamed over the target. */
export const writeFileAtomic = async (path: string, data: string): Promise<void> => {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  const handle = await open(tmp, "wx")
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => undefined)
    throw error
  }
}
