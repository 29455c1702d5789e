import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { projectRoot } from '../../project-root.js'
import type { Services } from '../../services.js'

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' }
}

/**
 * The dashboard: three static files from src/dashboard (no build step), which
 * sign in with an API key and read everything from the API. The page itself
 * holds no data, so it needs no key; a strict content security policy keeps
 * it to its own scripts.
 */
export const dashboardRoutes: FastifyPluginAsync<Services> = async (app) => {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    app.get(url, { schema: { hide: true, security: [] } }, async (_request, reply) => {
      const body = await readFile(join(projectRoot(), 'src', 'dashboard', file))
      return reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
        .header('x-content-type-options', 'nosniff')
        .send(body)
    })
  }
}
