// The templates: how they are rendered, and compiled ahead of the first reader.
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/** EJS's options for every template (and, through include, every partial): the same for a render and a compile. */
export function viewOptions(dir: string, cache: boolean): ejs.Options & { views: string[] } {
  // Templates include others by their path from dir ('/partials/field'): EJS resolves such a path against root
  // without asking the file system, where a relative one costs a file lookup or two per include (7 ms of a
  // dashboard's render when it included a partial for each amount of its tables).
  return { rmWhitespace: true, cache, views: [dir], root: dir };
}

/**
 * Compiles every template under dir into EJS's cache, as a first render would (views are cached in production):
 * the first reader of each page after a start does not wait for its template and partials to compile (about
 * 100 ms for the dashboard's). Returns how many were compiled.
 */
export function compileViews(dir: string): number {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.ejs')).map((name) => path.join(dir, name));
  for (const filename of files) {
    const template = fs.readFileSync(filename, 'utf8').replace(/^\uFEFF/, '');
    ejs.cache.set(filename, ejs.compile(template, { ...viewOptions(dir, true), filename }) as ejs.TemplateFunction);
  }
  return files.length;
}
