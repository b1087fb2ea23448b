// negotiator 1.x (jshttp): only what response-cache.ts and language.ts use. @types/negotiator describes 0.6, whose encoding()
// takes no preferred order for equally weighted encodings.
declare module 'negotiator' {
  import type { IncomingMessage } from 'node:http';

  export default class Negotiator {
    constructor(request: IncomingMessage);
    encoding(available: readonly string[], options?: { preferred?: readonly string[] }): string | undefined;
    language(available: readonly string[]): string | undefined;
  }
}
