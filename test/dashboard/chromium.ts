import { existsSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'

/** Debian's Chromium (.ci/run installs it); the dashboard tests skip without it. */
export const CHROMIUM = '/usr/bin/chromium'
export const noChromium = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: apt-get install chromium (CI installs it)`

/** Headless Chromium with nothing of its own going on the network. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  })
}

/** Script errors, console errors and content-security-policy violations of a page, as they happen. */
export function pageProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(msg.text())
  })
  return problems
}
