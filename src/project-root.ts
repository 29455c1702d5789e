import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/**
 * The project folder (the one with package.json), found from this module's
 * location: the same from `src/` under tsx/tap and from `dist/src/` compiled.
 * Data files that are not imported (the OASIS schemas) are read from there.
 */
export function projectRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('cannot find the clearfile project folder')
    dir = up
  }
  root = dir
  return dir
}
