// Editor forms for pledges: add, edit, delete. Every write goes through editorWrite (session + CSRF).
import { Router, type Response } from 'express';
import { exactCompact } from '../lib/amounts.ts';
import { editorWrite, flash, requireEditor } from '../auth/auth.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { createPledge, deletePledge, eventIdsOf, eventOptions, findPledge, sourcesOf, updatePledge } from './pledges.repository.ts';
import { type PledgeListRow } from './pledge.model.ts';
import {
  emptyPledgeForm,
  MAX_SOURCES,
  readPledgeForm,
  validatePledge,
  type PledgeFormValues,
} from './pledges.validation.ts';
import { readReason, type FieldErrors } from '../lib/validation.ts';

/** An amount as the form shows it: compact when that reads back exactly ($500B), digits otherwise. */
function amountText(amount: number | null): string {
  if (amount === null) return '';
  return exactCompact(amount) ?? amount.toLocaleString('en-US');
}

function formValuesOf(db: Db, pledge: PledgeListRow): PledgeFormValues {
  return {
    ...emptyPledgeForm(),
    pledger: pledge.pledger,
    project: pledge.project,
    amount: amountText(pledge.amount_usd),
    amount_note: pledge.amount_note,
    us_share_pct: pledge.us_share_pct === null ? '' : String(pledge.us_share_pct),
    us_share_basis: pledge.us_share_basis ?? '',
    announced_on: pledge.announced_on,
    horizon_years: pledge.horizon_years === null ? '' : String(pledge.horizon_years),
    horizon_end: pledge.horizon_end ?? '',
    horizon_note: pledge.horizon_note,
    sector: pledge.sector,
    country: pledge.country,
    status: pledge.status,
    lever: pledge.lever ?? '',
    context_note: pledge.context_note,
    pledger_kind: pledge.pledger_kind ?? '',
    commitment_kind: pledge.commitment_kind ?? '',
    horizon_start: pledge.horizon_start ?? '',
    new_money: amountText(pledge.new_money_usd),
    first_tranche_by: pledge.first_tranche_by ?? '',
    sources: sourcesOf(db, pledge.id),
    event_ids: eventIdsOf(db, pledge.id),
  };
}

export function pledgesEditRouter(db: Db): Router {
  const router = Router();

  function renderForm(res: Response, status: number, form: { pledgeId: number | null; values: PledgeFormValues; errors: FieldErrors }) {
    const editing = form.pledgeId !== null;
    res.status(status).render('pledges/form', {
      title: editing ? 'Edit pledge' : 'Add a pledge',
      action: editing ? `/pledges/${form.pledgeId}` : '/pledges',
      submitLabel: editing ? 'Save changes' : 'Add the pledge',
      maxSources: MAX_SOURCES,
      events: eventOptions(db),
      ...form,
    });
  }

  function existing(id: unknown): PledgeListRow {
    const pledgeId = parseId(id, 'pledge');
    const pledge = findPledge(db, pledgeId);
    if (!pledge) throw new HttpError(404, `There is no pledge with id ${pledgeId}.`);
    return pledge;
  }

  const knownEvents = () => eventOptions(db).map((event) => event.id);

  router.get('/pledges/new', requireEditor, (_req, res) => {
    renderForm(res, 200, { pledgeId: null, values: emptyPledgeForm(), errors: {} });
  });

  router.post('/pledges', ...editorWrite, (req, res) => {
    const eventIds = knownEvents();
    const { values, errors } = readPledgeForm(req.body, eventIds);
    const result = validatePledge(values, { previousStatus: 'announced', knownEventIds: new Set(eventIds) }, errors);
    if (!result.ok) return renderForm(res, 422, { pledgeId: null, values, errors: result.errors });
    const id = createPledge(db, result.value, req.editor!);
    flash(req, 'Pledge added.');
    res.redirect(303, `/pledges/${id}`);
  });

  router.get('/pledges/:id/edit', requireEditor, (req, res) => {
    const pledge = existing(req.params.id);
    renderForm(res, 200, { pledgeId: pledge.id, values: formValuesOf(db, pledge), errors: {} });
  });

  router.post('/pledges/:id', ...editorWrite, (req, res) => {
    const pledge = existing(req.params.id);
    const eventIds = knownEvents();
    const { values, errors } = readPledgeForm(req.body, eventIds);
    const result = validatePledge(values, { previousStatus: pledge.status, knownEventIds: new Set(eventIds) }, errors);
    if (!result.ok) return renderForm(res, 422, { pledgeId: pledge.id, values, errors: result.errors });
    updatePledge(db, pledge.id, result.value, req.editor!);
    flash(req, 'Changes saved.');
    res.redirect(303, `/pledges/${pledge.id}`);
  });

  router.get('/pledges/:id/delete', requireEditor, (req, res) => {
    res.render('pledges/delete', { title: 'Delete pledge', pledge: existing(req.params.id), reason: '', errors: {} });
  });

  router.post('/pledges/:id/delete', ...editorWrite, (req, res) => {
    const pledge = existing(req.params.id);
    const reason = readReason(req.body?.reason);
    if (!reason.ok) {
      res.status(422).render('pledges/delete', { title: 'Delete pledge', pledge, reason: reason.typed, errors: reason.errors });
      return;
    }
    deletePledge(db, pledge.id, req.editor!, reason.reason);
    flash(req, `Pledge ${pledge.id} deleted. Its history stays at its address.`);
    res.redirect(303, '/pledges');
  });

  return router;
}
