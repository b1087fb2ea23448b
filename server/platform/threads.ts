// Worker threads of the features: each worker script is an entry point of the build (package.json), found next to
// the module that starts it.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts the worker script `name` of the folder of `from` (the caller's import.meta.url). */
export function startWorker(from: string, name: string, options: WorkerOptions): Worker {
  if (!new URL(from).pathname.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), options);
  // Run from the TypeScript sources (tests, tsx): tsx's loader does not reach a worker thread
  // (privatenumber/tsx#354), its API does (and adds a query to the URLs of the modules it loads).
  const script = JSON.stringify(new URL(`./${name}.ts`, from).href);
  return new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${script}, ${script}))`, { ...options, eval: true });
}
