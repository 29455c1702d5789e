import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from 'typebox/value'
import { DaProfiles } from '../../schemas/da-profile.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import type { Config } from '../config.js'
import { ClearfileError } from '../errors.js'
import { projectRoot } from '../project-root.js'
import type { DaProfile } from './court-papers.js'

/**
 * Reads the DA profiles file (a JSON list, one profile per county; schema in
 * schemas/da-profile.ts). Profiles are configuration, never code: each
 * county's office, elected DA, filing deputy and bar numbers come from here.
 */
export function loadDaProfiles(path: string): Map<string, DaProfile> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `DA profiles ${path}: ${(err as Error).message}`)
  }
  if (!Value.Check(DaProfiles, json)) {
    const problems = [...Value.Errors(DaProfiles, json)].map((e) => `${e.instancePath || '/'} ${e.message}`)
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `DA profiles ${path} is invalid: ${problems.join('; ')}`)
  }
  const out = new Map<string, DaProfile>()
  for (const p of json) out.set(normalizeCounty(p.county), { ...p, county: normalizeCounty(p.county) })
  return out
}

/** The demonstration profile a server without profiles or courts uses with its simulated court, so the whole loop runs out of the box. */
export const DEMO_DA_PROFILES = () => join(projectRoot(), 'src', 'documents', 'demo-da-profiles.json')

/**
 * The county profiles from configuration. With no profiles file and no courts
 * file (filing with the simulated court, as `npm start` does), the
 * demonstration profile (marked "not for filing" on every paper); else none.
 * Read once, by the composition root.
 */
export function configuredProfiles(config: Config): Map<string, DaProfile> {
  if (config.daProfilesFile) return loadDaProfiles(config.daProfilesFile)
  return config.simulatedCourt && !config.courtsFile ? loadDaProfiles(DEMO_DA_PROFILES()) : new Map()
}

/** The county's profile, or CLEARFILE_ERR_DA_PROFILE_MISSING: papers name the office that signs them. */
export function requireProfile(profiles: ReadonlyMap<string, DaProfile>, county: string): DaProfile {
  const profile = profiles.get(county)
  if (!profile) throw new ClearfileError('CLEARFILE_ERR_DA_PROFILE_MISSING')
  return profile
}

export function profileFor(profiles: ReadonlyMap<string, DaProfile>, county: string): DaProfile {
  const p = profiles.get(normalizeCounty(county))
  if (!p)
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `no DA profile for ${county}: add one to the DA profiles file`)
  return p
}
