import { serveWorkerTasks } from '../workers/worker-pool.js'
import { parseReportBytes, type ReportParseTask, type ReportParseAnswer } from './report-parse.js'

// A worker thread that reads outcome reports, so a large one never holds the event loop.
await serveWorkerTasks<ReportParseTask, ReportParseAnswer>(parseReportBytes)
