import { COL, DOJ_FIELD_COUNT } from '../src/ingest/doj-file.js'

export type DojFields = Partial<Record<keyof typeof COL, string>>

/** One DOJ row as CSV, from the fields that matter (a San Francisco person unless told otherwise). */
export function dojRow(fields: DojFields): string {
  const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
  f[COL.SUBJECT_ID] = '1'
  f[COL.PRI_NAME] = 'GARCIA,MARIA'
  f[COL.PRI_DOB] = '19700203'
  f[COL.STP_ORI_CNTY_NAME] = 'SAN FRANCISCO'
  for (const [k, v] of Object.entries(fields)) f[COL[k as keyof typeof COL]] = v!
  return f.map((x) => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x)).join(',')
}

/** A court action convicting on one count: a felony in 2010 with 30 days of jail unless told otherwise. */
export const courtRow = (cnt: string, offense: string, extra: DojFields = {}) =>
  dojRow({
    STP_TYPE_DESCR: 'COURT ACTION',
    CNT_ORDER: cnt,
    STP_EVENT_DATE: '20100501',
    OFN: 'SCN1',
    OFFENSE_DESCR: offense,
    DISP_DESCR: 'CONVICTED-JAIL',
    CONV_STAT_DESCR: 'FELONY',
    SENT_LOC_DESCR: 'JAIL',
    SENT_LENGTH: '30',
    SENT_TIME_CODE: 'D',
    ...extra
  })
