import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ClearfileError } from '../errors.js'

/** Where a store keeps its bytes: this machine's disk, the database, or an S3-compatible object store. */
export type BlobStoreKind = 'local' | 'database' | 's3'

/**
 * Where documents, filing messages and uploads are kept, by key (a relative
 * path such as `documents/ab/ab12….pdf`). Every process of one deployment —
 * servers and workers, on any machine — must use the same store: a paper drawn
 * by one worker is filed by another. Constructed by the composition root
 * (src/services.ts) and injected, like court adapters.
 *
 * A key's bytes are written whole or not at all: a reader sees none or all of
 * them, never a part. Keys are written once, or again with the same bytes
 * (documents are named by their SHA-256, filing messages are rebuilt
 * identically), so a reader never needs to see a replacement happen.
 */
export interface BlobStore {
  readonly kind: BlobStoreKind
  /**
   * The folder a store that keeps each key as a file on this machine's disk keeps them in (the local store's): a
   * worker thread may read and write them there itself, with `readKeptSync` and `keepSync` (local-blob-store.ts).
   */
  readonly root?: string
  /** Stores bytes under the key. */
  put(key: string, bytes: Uint8Array): Promise<void>
  /**
   * Stores the file at `path` under the key and takes the file: it is moved
   * (same disk) or copied and removed, with memory flat in its size (a DOJ file
   * may be hundreds of megabytes).
   */
  putFile(key: string, path: string): Promise<void>
  /** The bytes under the key, or null when there are none. */
  get(key: string): Promise<Buffer | null>
  /** The bytes under the key as a stream (memory flat in their size), or null when there are none. */
  getStream(key: string): Promise<Readable | null>
  has(key: string): Promise<boolean>
  /** Removes the key; removing a key that is not there is not an error. */
  delete(key: string): Promise<void>
  /**
   * A file on this machine's disk holding the key's bytes, for code that reads
   * files (the DOJ review): the store's own file when it keeps files here, else
   * a copy made under `scratchDir`, removed by `release`. Null when the key has
   * no bytes.
   */
  localFile(key: string, scratchDir: string): Promise<LocalFile | null>
  /** Releases connections the store holds (not the database's, which its opener closes). */
  close(): Promise<void>
}

export interface LocalFile {
  path: string
  release(): Promise<void>
}

// Segments of letters, digits, dot, dash and underscore; never `.` or `..`, never absolute.
const KEY_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/** Refuses a key that is not a plain relative path (so no key can name a place outside the store). */
export function assertBlobKey(key: string): string {
  const segments = key.split('/')
  if (key.length === 0 || key.length > 512 || !segments.every((s) => KEY_SEGMENT.test(s)))
    throw new ClearfileError('CLEARFILE_ERR_INTERNAL', `not a storage key: ${JSON.stringify(key)}`)
  return key
}

/** A copy of the key's bytes in a new file under `scratchDir` (for stores that keep nothing on this disk). */
export async function scratchCopy(store: BlobStore, key: string, scratchDir: string): Promise<LocalFile | null> {
  const stream = await store.getStream(key)
  if (!stream) return null
  await mkdir(scratchDir, { recursive: true, mode: 0o700 })
  const path = join(scratchDir, `${randomUUID()}-${key.split('/').pop()}`)
  try {
    await pipeline(stream, createWriteStream(path, { mode: 0o600 }))
  } catch (err) {
    await rm(path, { force: true })
    throw err
  }
  return { path, release: () => rm(path, { force: true }) }
}

/** CLEARFILE_ERR_NOT_FOUND naming a key the store has no bytes for (lost, or never written). */
export const missingBlob = (key: string) =>
  new ClearfileError('CLEARFILE_ERR_NOT_FOUND', `The document store has no ${key}`)

/** The key's bytes; `missingBlob(key)` when the store has none. */
export async function requireBlob(store: BlobStore, key: string): Promise<Buffer> {
  const bytes = await store.get(key)
  if (!bytes) throw missingBlob(key)
  return bytes
}

/** True for a store that did not answer (worth trying again), not for one that answered "no such key". */
export const isStorageUnavailable = (err: unknown) =>
  err instanceof ClearfileError && err.code === 'CLEARFILE_ERR_STORAGE_UNAVAILABLE'

/**
 * This process's scratch folder under the data folder (`scratch/<pid>`): uploads while they arrive and copies of
 * stored files for code that reads files. Removed when done with; what a killed process left is removed by the next
 * start (removeDeadScratch).
 */
export const processScratchDir = (dataDir: string, pid: number | string = process.pid) =>
  join(dataDir, 'scratch', String(pid))

/**
 * Removes the scratch folders of processes no longer running on this machine (and this process's own, left by an
 * earlier process that had the same pid): a killed review leaves a copy of a DOJ file, names and dates of birth,
 * that nothing else would delete. Returns the folders removed.
 */
export async function removeDeadScratch(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'scratch')
  const entries = await readdir(root).catch(() => [] as string[])
  const dead = entries.filter((name) => !/^\d+$/.test(name) || Number(name) === process.pid || !isRunning(Number(name)))
  for (const name of dead) await rm(join(root, name), { recursive: true, force: true })
  return dead
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: running, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
