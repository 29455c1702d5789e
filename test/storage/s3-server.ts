import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import type { Test } from 'tap'

/** The keys the S3 server below takes (its fixed test account). */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/**
 * An S3 implementation we did not write, on loopback, with the bucket `clearfile`: @20minutes/s3rver checks
 * every request's Signature Version 4 (a wrong secret is refused 403 SignatureDoesNotMatch). Returns its URL.
 */
export async function startS3(t: Test): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'clearfile-s3-'))
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: 'clearfile' }]
  })
  const { port } = await server.run()
  t.teardown(async () => {
    await server.close()
    rmSync(directory, { recursive: true, force: true })
  })
  return `http://127.0.0.1:${port}`
}
