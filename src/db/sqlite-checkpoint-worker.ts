import { workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'

/**
 * Checkpoints a SQLite file's write-ahead log from a connection of its own, every `intervalMs`: PASSIVE, so it never
 * waits for the service's reads or writes, and copies what they no longer need into the database file. It runs
 * until terminated (better-sqlite3 closes its connection as the thread ends).
 */
const { file, intervalMs } = workerData as { file: string; intervalMs: number }
const database = new SQLite(file)
setInterval(() => {
  try {
    database.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // The database busy or going away: the next interval tries again.
  }
}, intervalMs)
