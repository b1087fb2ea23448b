// The site's public origin, for the addresses a page gives to other sites (its link card, its embed codes): the one
// PUBLIC_URL names, else the one the request named (behind a proxy, as TRUST_PROXY lets it say). The response cache
// keeps answers apart per request origin, so a forged Host header cannot put its origin into another reader's page.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function stampOrigin(publicUrl: string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.origin = publicUrl ?? `${req.protocol}://${req.host}`;
    next();
  };
}

/** The origin addresses are built from, without a trailing slash ("https://tracker.example"). */
export function originOf(res: Response): string {
  return res.locals.origin as string;
}

/** A path of this site ("/pledges/7") as an absolute address. */
export function absoluteUrl(res: Response, path: string): string {
  return `${originOf(res)}${path}`;
}

/** What a page tells a site that shows a link to it (Open Graph and Twitter card tags: views/partials/link-card.ejs). */
export interface LinkCard {
  title: string;
  /** One line of figures, plain text. */
  description: string;
  /** The page's address and its card image's, absolute. */
  url: string;
  image: string;
  /** What the image shows, for readers who cannot see it. */
  imageAlt: string;
}

/** A page's link card, its paths ("/pledges/7", "/cards/pledges/7.png") made absolute. */
export function linkCard(res: Response, card: Omit<LinkCard, 'url' | 'image'> & { path: string; imagePath: string }): LinkCard {
  const { path, imagePath, ...words } = card;
  return { ...words, url: absoluteUrl(res, path), image: absoluteUrl(res, imagePath) };
}
