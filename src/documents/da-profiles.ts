import { readFileSync } from 'node:fs'
import { Value } from 'typebox/value'
import { DaProfiles } from '../../schemas/da-profile.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { ClearfileError } from '../errors.js'
import type { DaProfile } from './court-papers.js'

/**
 * Reads the DA profiles file (a JSON list, one profile per county; schema in
 * schemas/da-profile.ts). Profiles are configuration, never code: each
 * county's office, elected DA, filing deputy and bar numbers come from here.
 */
export function loadDaProfiles (path: string): Map<string, DaProfile> {
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

export function profileFor (profiles: Map<string, DaProfile>, county: string): DaProfile {
  const p = profiles.get(normalizeCounty(county))
  if (!p) throw new ClearfileError('CLEARFILE_ERR_CONFIG', `no DA profile for ${county}: add one to the DA profiles file`)
  return p
}
