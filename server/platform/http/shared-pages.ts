// Pages made the same for every reader, for other sites to frame (the embeds, /embed/*): the security headers let
// any site frame them, no session is read or started there, and the response cache serves them whatever cookie a
// request carries.
export function isSharedPage(path: string): boolean {
  return path.startsWith('/embed/');
}
