import { fileURLToPath } from 'node:url'
import { XMLParser } from 'fast-xml-parser'
import t from 'tap'
import { filingById } from '../../src/db/filing-repository.js'
import { messageKey, writeFilingMessage } from '../../src/filing/filing-message.js'
import { buildTestApp, caseBody, fileCase, sanFranciscoCourtsFile } from '../helper.js'

const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))

t.test('a filing is titled as a court writes the case: People v. DAVID B. NGUYEN, not the DOJ form', async (t) => {
  const courtsFile = sanFranciscoCourtsFile('http://127.0.0.1:9/ecf')
  const { app, services, keyFor } = await buildTestApp(t, { daProfilesFile, courtsFile })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const { filingId } = await fileCase(app, key, caseBody({ person: { name: 'NGUYEN,DAVID B' } }))
  await writeFilingMessage(services.pipeline, await filingById(services.db, filingId))
  const xml = (await services.store.get(messageKey(filingId)))!.toString('utf8')
  const titles = [...xml.matchAll(/<[\w:]*CaseTitleText>([^<]*)</g)].map((m) => m[1])
  t.same(titles, ['People v. DAVID B. NGUYEN'])
  t.ok(new XMLParser().parse(xml), 'still well-formed')
})
