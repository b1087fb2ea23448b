// What is made the same for every reader, for other sites to use: the embeds (/embed/*), which other sites frame, and
// the link cards' images (/cards/*), which they show beside a shared link. The security headers let any site frame
// them, no session is read or started there, and the response cache serves them whatever cookie a request carries.
export function isSharedPage(path: string): boolean {
  return path.startsWith('/embed/') || path.startsWith('/cards/');
}
