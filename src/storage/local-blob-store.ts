import { createReadStream, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { copyFile, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { assertBlobKey, type BlobStore, type LocalFile } from './blob-store.js'

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT'
/** The file `key` is kept in under `root`. */
const keptPath = (root: string, key: string) => join(root, assertBlobKey(key))
/** A name to write `path` under before it is renamed to `path`: no reader sees half a file. */
const temporaryFor = (path: string) => `${path}.${process.pid}.${randomUUID()}.tmp`

/**
 * Keeps each key as a file under `root` (the data folder), written under a
 * temporary name and renamed, so a reader never sees half a file. The default:
 * one machine, or several sharing one volume.
 */
export function localBlobStore(root: string): BlobStore {
  const pathOf = (key: string) => keptPath(root, key)
  // Folders known to exist: a send stores every filing's message in one folder, and asking for it each time was a
  // fifth of what storing cost the service's thread. One removed behind our back is made again (below).
  const folders = new Set<string>()
  const folderFor = async (path: string) => {
    const dir = dirname(path)
    if (folders.has(dir)) return
    await mkdir(dir, { recursive: true, mode: 0o700 })
    folders.add(dir)
  }
  const place = async (key: string, write: (tmp: string) => Promise<void>, again = true): Promise<void> => {
    const path = pathOf(key)
    await folderFor(path)
    const tmp = temporaryFor(path)
    try {
      await write(tmp)
      await rename(tmp, path)
    } catch (err) {
      await rm(tmp, { force: true })
      if (again && isMissing(err) && folders.delete(dirname(path))) return place(key, write, false)
      throw err
    }
  }
  return {
    kind: 'local',
    root,
    put: (key, bytes) => place(key, (tmp) => writeFile(tmp, bytes, { mode: 0o600 })),
    async putFile(key, path) {
      const target = pathOf(key)
      await folderFor(target)
      try {
        await rename(path, target).catch(async (err) => {
          if (!isMissing(err) || !folders.delete(dirname(target))) throw err
          await folderFor(target)
          await rename(path, target)
        })
      } catch (err) {
        // Another disk: copied whole under a temporary name, then the original removed.
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
        await place(key, (tmp) => copyFile(path, tmp))
        await unlink(path)
      }
    },
    async get(key) {
      return readFile(pathOf(key)).catch((err) => {
        if (isMissing(err)) return null
        throw err
      })
    },
    async getStream(key) {
      const path = pathOf(key)
      if (!(await exists(path))) return null
      return createReadStream(path) as Readable
    },
    has: (key) => exists(pathOf(key)),
    async delete(key) {
      await rm(pathOf(key), { force: true })
    },
    async localFile(key): Promise<LocalFile | null> {
      const path = pathOf(key)
      return (await exists(path)) ? { path, release: async () => {} } : null
    },
    async close() {}
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    (err) => {
      if (isMissing(err)) return false
      throw err
    }
  )
}

/*
 * The same files, read and written synchronously: for a worker thread (a filing message's builder), whose blocking
 * holds up no event loop. Through fs/promises a 16 KB paper cost 150 µs of CPU to read and a message 330 µs to keep
 * (open, stat, read and close each a trip through libuv's pool and back), against 50 and 150 µs here.
 */

/** The bytes `localBlobStore(root)` keeps under `key`, or null when there are none. */
export function readKeptSync(root: string, key: string): Buffer | null {
  try {
    return readFileSync(keptPath(root, key))
  } catch (err) {
    if (isMissing(err)) return null
    throw err
  }
}

/** Keeps `bytes` under `key` as `localBlobStore(root).put` does: under a temporary name, then renamed. */
export function keepSync(root: string, key: string, bytes: Uint8Array): void {
  const path = keptPath(root, key)
  const tmp = temporaryFor(path)
  try {
    try {
      writeFileSync(tmp, bytes, { mode: 0o600 })
    } catch (err) {
      if (!isMissing(err)) throw err
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      writeFileSync(tmp, bytes, { mode: 0o600 })
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}
