// The project's folder, found from this file wherever it runs: server/platform/ in the sources, dist/ once
// built (a flat folder of bundles). Files the code reads (migrations, the seed, views, public/) hang off it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}: is the project whole?`);
  }
}

export const ROOT = projectRoot(path.dirname(fileURLToPath(import.meta.url)));
