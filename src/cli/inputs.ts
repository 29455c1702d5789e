import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError } from 'commander'
import { BUILT_IN_POLICIES, builtInPolicy, loadPolicy } from '../eligibility/policies.js'
import type { Policy } from '../eligibility/policy.js'

// What each file the CLI reads is expected to be, said when one is missing.
export const EXPECTED = {
  doj: 'the DOJ bulk research file (95 columns, CSV)',
  policy:
    "a policy file (JSON: clearfile's policy format, schemas/policy.schema.json, or a gogen eligibility-options file)",
  profiles: 'the DA profiles file (a JSON list of the offices that sign the papers, schemas/da-profile.ts)',
  courts: "the courts file (a JSON list of courts with each one's adapter and endpoint, schemas/courts.ts)",
  config: 'a JSON config file (camelCase keys, as in the README table)'
} as const

/**
 * Checks that a file named on the command line is there and readable before
 * any work starts. Throws an InvalidArgumentError that names where the path
 * came from (`--doj`, `CLEARFILE_DA_PROFILES`), the path as looked for, and
 * what was expected there, e.g.
 * `--doj doj.csv: no such file (looked for /home/da/doj.csv); expected the DOJ bulk research file (95 columns, CSV)`.
 */
export function requireFile(path: string, from: string, expected: string): void {
  const where = resolve(path) === path ? '' : ` (looked for ${resolve(path)})`
  let isDirectory: boolean
  try {
    isDirectory = statSync(path).isDirectory()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InvalidArgumentError(`${from} ${path}: no such file${where}; expected ${expected}`)
    throw new InvalidArgumentError(`${from} ${path}: cannot be read (${code})${where}; expected ${expected}`)
  }
  if (isDirectory) throw new InvalidArgumentError(`${from} ${path} is a directory; expected ${expected}`)
  try {
    accessSync(path, constants.R_OK)
  } catch {
    throw new InvalidArgumentError(
      `${from} ${path}: permission denied${where}; expected ${expected} this user may read`
    )
  }
}

// A bare word such as `nosuch` was meant as a policy name; anything with a path's marks was meant as a file.
const looksLikePath = (text: string) => /[/\\]|\.json$/i.test(text) || text.startsWith('.')

/**
 * The policy `--policy` names: a built-in one by name, or a policy file. An
 * unknown name lists the built-in names (from BUILT_IN_POLICIES, so a new one
 * shows up by itself); a missing file says where it was looked for.
 */
export function resolvePolicy(nameOrPath: string): Policy {
  const builtIn = builtInPolicy(nameOrPath)
  if (builtIn) return builtIn
  const names = Object.keys(BUILT_IN_POLICIES).join(', ')
  if (!existsSync(nameOrPath) && !looksLikePath(nameOrPath))
    throw new InvalidArgumentError(
      `unknown policy ${JSON.stringify(nameOrPath)}; built-in policies: ${names}; or give a file path`
    )
  requireFile(nameOrPath, '--policy', `${EXPECTED.policy}, or a built-in policy: ${names}`)
  return loadPolicy(nameOrPath)
}

/** A commander option parser for a whole number of at least `min` (commander's message names the option). */
export function wholeNumber(min = 0) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`give a whole number of ${min} or more`)
    return n
  }
}
