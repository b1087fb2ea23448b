// on-headers 1.x (jshttp, as used by compression and express-session): no types of its own.
declare module 'on-headers' {
  import type { ServerResponse } from 'node:http';

  /** Calls listener once, just before the response's headers are written (its status already set). */
  export default function onHeaders(res: ServerResponse, listener: (this: ServerResponse) => void): void;
}
