// fresh 2.x (jshttp, as Express's req.fresh uses it): no types of its own.
declare module 'fresh' {
  import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

  /** Whether a client that sent these request headers already has the answer these response headers describe. */
  export default function fresh(requestHeaders: IncomingHttpHeaders, responseHeaders: OutgoingHttpHeaders): boolean;
}
