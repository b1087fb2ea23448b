// Security headers on every answer: helmet's, with a strict Content-Security-Policy, and HSTS over HTTPS only.
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.ts';

/** A year, as browsers' HSTS preload lists ask; without includeSubDomains, which is the deployer's call. */
const HSTS_SECONDS = 365 * 24 * 60 * 60;

export function securityHeaders(config: Pick<Config, 'trustProxy'>): RequestHandler {
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
        'frame-ancestors': ["'none'"],
        // Only behind an HTTPS proxy: served over plain HTTP on a LAN it would break every subresource.
        'upgrade-insecure-requests': config.trustProxy === false ? null : [],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
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
