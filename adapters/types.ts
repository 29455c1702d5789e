/*
 * What an adapter implements and may throw: the CourtAdapter interface and its
 * typed errors live with the court protocol (src/ecf/court-adapter.ts), where
 * the filing pipeline reads them too; adapters import them from here.
 */
export * from '../src/ecf/court-adapter.js'
