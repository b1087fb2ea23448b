// Signing in and out, and the editor's account page with API tokens.
import { Router, type Request } from 'express';
import { accountKey, csrfProtection, editorWrite, flash, LoginLimiter, requireEditor, safeNext, SESSION_COOKIE } from './auth.ts';
import type { Db } from './db.ts';
import { authenticate } from './editors.ts';
import { HttpError, parseId } from './errors.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './users.repository.ts';
import { singleLine } from './validation.ts';

const WRONG = 'Wrong username or password.';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

export function authRouter(db: Db): Router {
  const router = Router();
  const limiter = new LoginLimiter();

  router.get('/login', (req, res) => {
    if (req.editor) return res.redirect(303, safeNext(req.query.next));
    res.render('login', { title: 'Sign in', next: safeNext(req.query.next), username: '', error: null });
  });

  router.post('/login', csrfProtection, async (req, res) => {
    const username = typeof req.body?.username === 'string' ? req.body.username.trim() : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body?.next);
    const address = req.ip ?? '';
    const account = accountKey(username);
    const wait = await limiter.retryAfter(address, account);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw new HttpError(429, `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minutes.`);
    }
    const editor = username && password ? await authenticate(db, username, password) : null;
    if (!editor) {
      await limiter.failed(address, account);
      res.status(401).render('login', { title: 'Sign in', next, username, error: WRONG });
      return;
    }
    await limiter.succeeded(account);
    // A new session id at sign-in: a session id planted before it is worth nothing after.
    await regenerate(req);
    req.session.userId = editor.id;
    flash(req, `Signed in as ${editor.username}.`);
    await save(req);
    res.redirect(303, next);
  });

  router.post('/logout', csrfProtection, async (req, res) => {
    await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
    res.clearCookie(SESSION_COOKIE);
    res.redirect(303, '/');
  });

  router.get('/account', requireEditor, (req, res) => {
    res.render('account', { title: 'Your account', tokens: listApiTokens(db, req.editor!.id), errors: {}, name: '' });
  });

  router.post('/account/tokens', ...editorWrite, (req, res) => {
    const name = singleLine(100, { required: true, label: 'A name' }).safeParse(req.body?.name);
    if (!name.success) {
      res.status(422).render('account', {
        title: 'Your account',
        tokens: listApiTokens(db, req.editor!.id),
        errors: { name: name.error.issues[0].message },
        name: typeof req.body?.name === 'string' ? req.body.name : '',
      });
      return;
    }
    const token = createApiToken(db, req.editor!.id, name.data);
    flash(req, `Token "${name.data}" created. Copy it now: it will not be shown again.`, token);
    res.redirect(303, '/account');
  });

  router.post('/account/tokens/:id/revoke', ...editorWrite, (req, res) => {
    if (!revokeApiToken(db, req.editor!.id, parseId(req.params.id, 'token'))) {
      throw new HttpError(404, 'There is no such live token on your account.');
    }
    flash(req, 'Token revoked: scripts using it can no longer write.');
    res.redirect(303, '/account');
  });

  return router;
}
