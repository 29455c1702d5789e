import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Made with openssl for a test: a CA; a server certificate for 127.0.0.1 (clearfile's, or a court's); client
 * certificates of the court (`court`) and of the DA office (`filer`); and a stranger's from another CA.
 */
export function certificates() {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-tls-'))
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ca = (name: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`
    )
  const issue = (name: string, issuer: string, ext: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`)
    writeFileSync(join(dir, `${name}.ext`), ext)
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`
    )
  }
  ca('test-ca')
  ca('other-ca')
  issue('server', 'test-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  issue('court', 'test-ca', 'extendedKeyUsage=clientAuth\n')
  issue('filer', 'test-ca', 'extendedKeyUsage=clientAuth\n')
  issue('stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n')
  const read = (f: string) => readFileSync(join(dir, f))
  return { dir, read, fingerprint: (name: string) => new X509Certificate(read(`${name}.crt`)).fingerprint256 }
}
