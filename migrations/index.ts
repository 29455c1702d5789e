import type { Migration } from 'kysely'
import { dataModel } from './0001-data-model.js'
import { policiesAndReviews } from './0002-policies-and-reviews.js'
import { outcomeReports } from './0003-outcome-reports.js'
import { wholeRecords } from './0004-whole-records.js'
import { unusedColumns } from './0005-unused-columns.js'
import { keyExpiry } from './0006-key-expiry.js'
import { outcomeReportUploads } from './0007-outcome-report-uploads.js'
import { searchIndexes } from './0008-search-indexes.js'
import { blobs } from './0009-blobs.js'
import { courtCaseIds } from './0010-court-case-ids.js'
import { jobClaimIndex } from './0011-job-claim-index.js'
import { lz4Compression } from './0012-lz4-compression.js'
import { payloadStatistics } from './0013-payload-statistics.js'
import { filingListIndexes } from './0014-filing-list-indexes.js'

/**
 * Every migration, in order. Listed statically (rather than read from the
 * folder) so the same list works from TypeScript sources and compiled output.
 */
export const migrations: Record<string, Migration> = {
  '0001-data-model': dataModel,
  '0002-policies-and-reviews': policiesAndReviews,
  '0003-outcome-reports': outcomeReports,
  '0004-whole-records': wholeRecords,
  '0005-unused-columns': unusedColumns,
  '0006-key-expiry': keyExpiry,
  '0007-outcome-report-uploads': outcomeReportUploads,
  '0008-search-indexes': searchIndexes,
  '0009-blobs': blobs,
  '0010-court-case-ids': courtCaseIds,
  '0011-job-claim-index': jobClaimIndex,
  '0012-lz4-compression': lz4Compression,
  '0013-payload-statistics': payloadStatistics,
  '0014-filing-list-indexes': filingListIndexes
}
