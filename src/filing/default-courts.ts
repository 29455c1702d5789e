import { randomBytes } from 'node:crypto'
import { startSimulatedCourt } from '../../adapters/index.js'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Config } from '../config.js'
import { configuredProfiles } from '../documents/documents-job.js'
import { loadCourts } from './courts-config.js'

/** The environment variable holding the simulated court's callback secret (made up at start when unset). */
export const SIMULATED_COURT_SECRET = 'CLEARFILE_SIMULATED_COURT_SECRET'

/**
 * The courts a server files with: the courts file when one is configured; else,
 * unless turned off, a simulated Superior Court started on loopback that every
 * county with a DA profile files in, calling back with a secret made up now.
 */
export async function serverCourts (config: Config, env: NodeJS.ProcessEnv = process.env): Promise<{ courts: ReadonlyMap<string, CourtEntry>, simulatorUrl: string | null, close: () => Promise<void> }> {
  if (config.courtsFile) return { courts: loadCourts(config.courtsFile), simulatorUrl: null, close: async () => {} }
  if (!config.simulatedCourt) return { courts: new Map(), simulatorUrl: null, close: async () => {} }
  env[SIMULATED_COURT_SECRET] ||= randomBytes(24).toString('base64url')
  const court = await startSimulatedCourt({ callbackSecret: env[SIMULATED_COURT_SECRET], reviewDelayMs: 2000, rulingDelayMs: 5000, seed: Date.now() % 2 ** 31 })
  const courts = new Map<string, CourtEntry>()
  for (const county of configuredProfiles(config).keys()) {
    const id = `CA-SIM-${county.replace(/[^A-Z0-9]+/g, '-')}`
    const name = `Superior Court of California, County of ${county.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase())} (simulated)`
    courts.set(id, { id, name, county, adapter: 'simulator', endpoint: court.url, callbackSecretRef: SIMULATED_COURT_SECRET })
  }
  return { courts, simulatorUrl: court.url, close: court.close }
}
