// vary 1.x (jshttp, as Express's res.vary uses it): only append, which this app uses.
declare module 'vary' {
  const vary: {
    /** The Vary header's value with field added, unless it names it already (or is *). */
    append(header: string, field: string | string[]): string;
  };
  export default vary;
}
