// Signing in and out, and the editor's account page with API tokens.
import { Router, type Request, type Response } from 'express';
import {
  accountKey,
  checkLoginFormToken,
  csrfProtection,
  editorWrite,
  flash,
  loginFormToken,
  recognisedDevice,
  rememberDevice,
  requireEditor,
  safeNext,
  SESSION_COOKIE,
} from './auth.ts';
import type { Db } from '../platform/db.ts';
import { authenticate, displayNameProblem } from './editors.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { LoginLimits } from './login.limits.ts';
import { createApiToken, findUserByName, listApiTokens, revokeApiToken, setDisplayName } from './users.repository.ts';
import { singleLine } from '../lib/validation.ts';

const WRONG = 'Wrong username or password.';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

export function authRouter(db: Db, secret: string): Router {
  const router = Router();
  const limits = new LoginLimits();

  const renderLogin = (req: Request, res: Response, status: number, fields: { next: string; username: string; error: string | null }) => {
    res.status(status).render('login', { title: 'Sign in', loginToken: loginFormToken(req, res, secret), ...fields });
  };

  router.get('/login', (req, res) => {
    if (req.editor) return res.redirect(303, safeNext(req.query.next));
    renderLogin(req, res, 200, { next: safeNext(req.query.next), username: '', error: null });
  });

  router.post('/login', async (req, res) => {
    checkLoginFormToken(req, secret);
    const username = typeof req.body?.username === 'string' ? req.body.username.trim() : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body?.next);
    const account = accountKey(username);
    const known = username.length <= 64 ? findUserByName(db, username) : undefined;
    const attempt = await limits.attempt(req.ip ?? '', account, recognisedDevice(req, secret, known), () =>
      username && password ? authenticate(db, username, password) : Promise.resolve(null),
    );
    if ('refused' in attempt) {
      const wait = attempt.refused.retryAfterSeconds;
      const when = wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`;
      res.set('Retry-After', String(wait));
      const messages = {
        address: `Too many failed sign-ins from your address. Try again in ${when}.`,
        account: `Too many failed sign-ins to this account. If it is yours, sign in from a browser you have used to sign in before, or try again in ${when}.`,
        queue: `Too many sign-ins at once from your address. Try again in ${when}.`,
      };
      throw new HttpError(429, messages[attempt.refused.reason]);
    }
    const editor = attempt.result;
    if (!editor) {
      renderLogin(req, res, 401, { next, username, error: WRONG });
      return;
    }
    // The account the password opened: the one looked up by name above.
    const user = known!;
    // A new session id at sign-in: a session id planted before it is worth nothing after.
    await regenerate(req);
    req.session.userId = user.id;
    req.session.credentialVersion = user.credential_version;
    flash(req, `Signed in as ${editor.displayName}.`);
    await save(req);
    rememberDevice(req, res, secret, user);
    // The public pages this browser kept while its reader was anyone (Cache-Control: public) would show the new
    // editor a reader's page until they expire: the browser is told to drop what it keeps of this site.
    res.set('Clear-Site-Data', '"cache"');
    res.redirect(303, next);
  });

  router.post('/logout', csrfProtection, async (req, res) => {
    await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
    res.clearCookie(SESSION_COOKIE);
    res.redirect(303, '/');
  });

  const renderAccount = (req: Request, res: Response, status: number, form: { errors: Record<string, string>; name: string; displayName: string }) => {
    res.status(status).render('account', { title: 'Your account', tokens: listApiTokens(db, req.editor!.id), ...form });
  };

  router.get('/account', requireEditor, (req, res) => {
    renderAccount(req, res, 200, { errors: {}, name: '', displayName: req.editor!.displayName });
  });

  router.post('/account/name', ...editorWrite, (req, res) => {
    const typed = typeof req.body?.display_name === 'string' ? req.body.display_name : '';
    const problem = displayNameProblem(typed);
    if (problem) {
      renderAccount(req, res, 422, { errors: { display_name: problem }, name: '', displayName: typed });
      return;
    }
    setDisplayName(db, req.editor!.id, typed.trim());
    flash(req, `Your edits now show as by ${typed.trim()}.`);
    res.redirect(303, '/account');
  });

  router.post('/account/tokens', ...editorWrite, (req, res) => {
    const name = singleLine(100, { required: true, label: 'A name' }).safeParse(req.body?.name);
    if (!name.success) {
      renderAccount(req, res, 422, {
        errors: { name: name.error.issues[0].message },
        name: typeof req.body?.name === 'string' ? req.body.name : '',
        displayName: req.editor!.displayName,
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
