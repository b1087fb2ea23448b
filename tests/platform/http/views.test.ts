// Templates compiled at start (production caches views): the first render reads no file and compiles nothing,
// and gives exactly what a render from the files gives.
import path from 'node:path';
import fs from 'node:fs';
import ejs from 'ejs';
import { afterEach, describe, expect, it } from 'vitest';
import { compileViews, viewOptions } from '../../../server/platform/http/views.ts';
import { ROOT } from '../../../server/platform/paths.ts';
import { wordsOf } from '../../../server/pledges/pledges.view.ts';

const VIEWS = path.join(ROOT, 'views');
const loader = ejs.fileLoader;
afterEach(() => {
  ejs.fileLoader = loader;
  ejs.clearCache();
});

const render = (name: string, locals: object, cache: boolean) =>
  new Promise<string>((resolve, reject) =>
    ejs.renderFile(path.join(VIEWS, name), locals, viewOptions(VIEWS, cache), (error, html) => (error ? reject(error) : resolve(html!))),
  );

describe('templates compiled at start', () => {
  it('compiles every template and partial, and renders them without reading a file', async () => {
    const templates = (fs.readdirSync(VIEWS, { recursive: true }) as string[]).filter((name) => name.endsWith('.ejs'));
    expect(compileViews(VIEWS)).toBe(templates.length);
    const locals = { ...wordsOf('en'), translated: (text: string) => text, languageNext: '/', title: 'Sign in', error: null, username: '', loginToken: 'token', next: '/', nav: 'login', editor: null, asset: (url: string) => url };
    const fromFiles = await (async () => {
      const cached = new Map(templates.map((name) => [path.join(VIEWS, name), ejs.cache.get(path.join(VIEWS, name))]));
      ejs.clearCache();
      const html = await render('login.ejs', locals, false);
      for (const [name, compiled] of cached) ejs.cache.set(name, compiled!);
      return html;
    })();
    ejs.fileLoader = () => {
      throw new Error('a template was read at render time');
    };
    expect(await render('login.ejs', locals, true)).toBe(fromFiles);
    expect(fromFiles).toContain('<form');
  });
});
