// A worker for the pool's tests: answers each task with itself, and exits with code 3 when a task asks it to.
import { serveWorkerTasks } from '../../src/workers/worker-pool.ts'

await serveWorkerTasks((task) => {
  if (task.exit) process.exit(3)
  return task
})
