import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { renderMotion } from '../../src/documents/court-papers.js'
import { packet } from './fixtures.js'

/*
 * The first page of a motion, kept as a visual reference (test/fixtures/motion-page1.png,
 * rendered by pdftoppm) and as the drawn position of every word (motion-page1-layout.json,
 * from pdftotext -bbox). A change to the layout fails here; when it is meant, regenerate
 * both with UPDATE_LAYOUT=1 npm test -- test/documents/layout-reference.test.ts and look at
 * the new picture before committing it.
 */
const LAYOUT = fileURLToPath(new URL('../fixtures/motion-page1-layout.json', import.meta.url))
const PICTURE = fileURLToPath(new URL('../fixtures/motion-page1.png', import.meta.url))

interface Word {
  text: string
  x: number
  y: number
}

function wordsOf(pdf: string): Word[] {
  const html = execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', '-f', '1', '-l', '1', pdf, '-'], {
    encoding: 'utf8'
  })
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<\/word>/g)].map(
    (m) => ({ text: m[3]!, x: Math.round(Number(m[1]) * 2) / 2, y: Math.round(Number(m[2]) * 2) / 2 })
  )
}

t.test("a motion's first page draws every word where the reference says", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-layout-'))
  const pdf = join(dir, 'motion.pdf')
  writeFileSync(pdf, (await renderMotion(packet('NGUYEN,DAVID B', ['NGUYEN,DAVE']))).bytes)
  const words = wordsOf(pdf)
  execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-singlefile', '-png', pdf, join(dir, 'page1')])
  if (process.env.UPDATE_LAYOUT === '1') {
    writeFileSync(LAYOUT, `[\n${words.map((w) => JSON.stringify(w)).join(',\n')}\n]\n`)
    copyFileSync(join(dir, 'page1.png'), PICTURE)
  }
  t.ok(existsSync(LAYOUT) && existsSync(PICTURE), 'the reference exists (UPDATE_LAYOUT=1 makes it)')
  const reference = JSON.parse(readFileSync(LAYOUT, 'utf8')) as Word[]
  t.ok(words.length > 200)
  t.same(words, reference, 'every word in its place')
  // The committed picture is the same page: same size as a fresh rendering.
  const size = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)]
  t.same(size(readFileSync(join(dir, 'page1.png'))), size(readFileSync(PICTURE)))
})
