import { readFileSync } from 'node:fs'
import dismissAll from './policies/dismiss-all.json' with { type: 'json' }
import laPilot from './policies/la-pilot.json' with { type: 'json' }
import statewideDefault from './policies/statewide-default.json' with { type: 'json' }
import { ClearfileError } from '../errors.js'
import { parsePolicy } from './parse-policy.js'
import type { Policy } from './policy.js'

/** Policies shipped with clearfile, usable by name wherever a policy file is asked for. */
export const BUILT_IN_POLICIES: Readonly<Record<string, Policy>> = {
  'statewide-default': parsePolicy(statewideDefault),
  'dismiss-all': parsePolicy(dismissAll),
  'la-pilot': parsePolicy(laPilot)
}

export const DEFAULT_POLICY = BUILT_IN_POLICIES['statewide-default']!

/** A shipped policy by name; undefined for any other text (`__proto__` and `toString` are names of no policy). */
export function builtInPolicy(name: string): Policy | undefined {
  return Object.hasOwn(BUILT_IN_POLICIES, name) ? BUILT_IN_POLICIES[name] : undefined
}

/** A built-in policy by name, or a policy file (clearfile's format or gogen's eligibility options). */
export function loadPolicy(nameOrPath: string): Policy {
  const builtIn = builtInPolicy(nameOrPath)
  if (builtIn) return builtIn
  let json: unknown
  try {
    json = JSON.parse(readFileSync(nameOrPath, 'utf8'))
  } catch (err) {
    throw new ClearfileError('CLEARFILE_ERR_VALIDATION', `policy ${nameOrPath}: ${(err as Error).message}`)
  }
  try {
    return parsePolicy(json)
  } catch (err) {
    const e = err as ClearfileError
    const where = (e.details ?? []).map((d) => `${d.path} ${d.message}`).join('; ')
    throw new ClearfileError(
      'CLEARFILE_ERR_VALIDATION',
      `policy ${nameOrPath} is invalid: ${where || e.message}`,
      e.details
    )
  }
}
