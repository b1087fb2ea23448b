// Security headers on every answer: helmet's, with a strict Content-Security-Policy, and HSTS over HTTPS only.
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.ts';
import { isSharedPage } from './shared-pages.ts';

/** A year, as browsers' HSTS preload lists ask; without includeSubDomains, which is the deployer's call. */
const HSTS_SECONDS = 365 * 24 * 60 * 60;

/**
 * No site may frame a page of this one (frame-ancestors 'none', and X-Frame-Options for older browsers), but for
 * the embeds, which any site may frame; every other directive is the same for both.
 */
export function securityHeaders(config: Pick<Config, 'trustProxy'>): RequestHandler {
  const own = headers(config, { frameAncestors: "'none'" });
  const framable = headers(config, { frameAncestors: '*' });
  return (req, res, next) => (isSharedPage(req.path) ? framable : own)(req, res, next);
}

function headers(config: Pick<Config, 'trustProxy'>, { frameAncestors }: { frameAncestors: "'none'" | '*' }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        // Tighter than helmet's default: no inline style attributes or elements either.
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': [frameAncestors],
        // Only behind an HTTPS proxy: served over plain HTTP on a LAN it would break every subresource.
        'upgrade-insecure-requests': config.trustProxy === false ? null : [],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // SAMEORIGIN where no other site may frame the page; absent where any may.
    xFrameOptions: frameAncestors === '*' ? false : { action: 'sameorigin' },
    // Sent by strictTransportSecurity, below, and only over HTTPS: a reader on a plain-HTTP LAN would be
    // told to expect HTTPS that this server does not speak.
    strictTransportSecurity: false,
  });
}

/**
 * HSTS, only when TRUST_PROXY trusts a proxy that says the request came over HTTPS (req.secure). Registered
 * before the response cache, which never replays this header from another request's answer.
 */
export const strictTransportSecurity: RequestHandler = (req, res, next) => {
  if (req.secure) res.set('Strict-Transport-Security', `max-age=${HSTS_SECONDS}`);
  next();
};
