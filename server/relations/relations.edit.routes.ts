// Editor forms for relations, from either pledge's page: add, edit, delete. Every write goes through editorWrite
// (session + CSRF) and answers 303 back to the pledge, or the form again with 422 and every typed value.
import { Router, type Response } from 'express';
import { exactCompact } from '../lib/amounts.ts';
import { editorWrite, flash, requireEditor } from '../auth/auth.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { readReason, type FieldErrors } from '../lib/validation.ts';
import { roleOf, type RelatedPledge, type Relation } from './relation.model.ts';
import {
  createRelation,
  deleteRelation,
  findRelation,
  pledgeChoices,
  relatedPledge,
  relationFacts,
  updateRelation,
} from './relations.repository.ts';
import { emptyRelationForm, readRelationForm, validateRelationForm, type RelationFormValues } from './relations.validation.ts';

/** An amount as the form shows it: compact when that reads back exactly ($30B), digits otherwise. */
function amountText(amount: number | null): string {
  if (amount === null) return '';
  return exactCompact(amount) ?? String(amount);
}

/** A relation as the form of one of its pledges shows it. */
function formValuesOf(relation: Relation, pledgeId: number): RelationFormValues {
  const otherId = relation.pledge_id === pledgeId ? relation.other_id : relation.pledge_id;
  return {
    ...emptyRelationForm(),
    kind: roleOf(relation, pledgeId),
    other_id: otherId === null ? '' : String(otherId),
    amount: amountText(relation.amount_usd),
    note: relation.note,
    source_url: relation.source_url ?? '',
    source_title: relation.source_title,
  };
}

export function relationsEditRouter(db: Db): Router {
  const router = Router();

  function pledgeOf(id: unknown): RelatedPledge {
    const pledgeId = parseId(id, 'pledge');
    const pledge = relatedPledge(db, pledgeId);
    if (!pledge) throw new HttpError(404, `There is no pledge with id ${pledgeId}.`);
    return pledge;
  }

  /** The relation `rid` of the pledge: a relation of another pledge is not found at this address. */
  function relationOf(pledge: RelatedPledge, rid: unknown): Relation {
    const id = parseId(rid, 'relation');
    const relation = findRelation(db, id);
    if (!relation || (relation.pledge_id !== pledge.id && relation.other_id !== pledge.id)) {
      throw new HttpError(404, `Pledge ${pledge.id} has no relation with id ${id}.`);
    }
    return relation;
  }

  function renderForm(res: Response, status: number, form: { pledge: RelatedPledge; relationId: number | null; values: RelationFormValues; errors: FieldErrors }) {
    const editing = form.relationId !== null;
    res.status(status).render('relations/form', {
      title: editing ? 'Edit relation' : 'Add a relation',
      action: editing ? `/pledges/${form.pledge.id}/relations/${form.relationId}` : `/pledges/${form.pledge.id}/relations`,
      submitLabel: editing ? 'Save changes' : 'Add the relation',
      choices: pledgeChoices(db, form.pledge.id),
      ...form,
    });
  }

  router.get('/pledges/:id/relations/new', requireEditor, (req, res) => {
    renderForm(res, 200, { pledge: pledgeOf(req.params.id), relationId: null, values: emptyRelationForm(), errors: {} });
  });

  router.post('/pledges/:id/relations', ...editorWrite, (req, res) => {
    const pledge = pledgeOf(req.params.id);
    const { values, errors } = readRelationForm(req.body);
    const result = validateRelationForm(values, pledge.id, relationFacts(db, null), errors);
    if (!result.ok) return renderForm(res, 422, { pledge, relationId: null, values, errors: result.errors });
    createRelation(db, result.value, req.editor!);
    flash(req, 'Relation added.');
    res.redirect(303, `/pledges/${pledge.id}`);
  });

  router.get('/pledges/:id/relations/:rid/edit', requireEditor, (req, res) => {
    const pledge = pledgeOf(req.params.id);
    const relation = relationOf(pledge, req.params.rid);
    renderForm(res, 200, { pledge, relationId: relation.id, values: formValuesOf(relation, pledge.id), errors: {} });
  });

  router.post('/pledges/:id/relations/:rid', ...editorWrite, (req, res) => {
    const pledge = pledgeOf(req.params.id);
    const relation = relationOf(pledge, req.params.rid);
    const { values, errors } = readRelationForm(req.body);
    const result = validateRelationForm(values, pledge.id, relationFacts(db, relation.id), errors);
    if (!result.ok) return renderForm(res, 422, { pledge, relationId: relation.id, values, errors: result.errors });
    updateRelation(db, relation.id, result.value, req.editor!);
    flash(req, 'Relation saved.');
    res.redirect(303, `/pledges/${pledge.id}`);
  });

  function renderDelete(res: Response, status: number, pledge: RelatedPledge, relation: Relation, reason: string, errors: FieldErrors) {
    const otherId = relation.pledge_id === pledge.id ? relation.other_id : relation.pledge_id;
    res.status(status).render('relations/delete', {
      title: 'Delete relation',
      pledge,
      relation,
      // The role's code: the view says it in the page's language (roleLabel).
      role: roleOf(relation, pledge.id),
      other: otherId === null ? null : (relatedPledge(db, otherId) ?? null),
      reason,
      errors,
    });
  }

  router.get('/pledges/:id/relations/:rid/delete', requireEditor, (req, res) => {
    const pledge = pledgeOf(req.params.id);
    renderDelete(res, 200, pledge, relationOf(pledge, req.params.rid), '', {});
  });

  router.post('/pledges/:id/relations/:rid/delete', ...editorWrite, (req, res) => {
    const pledge = pledgeOf(req.params.id);
    const relation = relationOf(pledge, req.params.rid);
    const reason = readReason(req.body?.reason);
    if (!reason.ok) return renderDelete(res, 422, pledge, relation, reason.typed, reason.errors);
    deleteRelation(db, relation.id, req.editor!, reason.reason);
    flash(req, 'Relation deleted. Both pledges’ histories keep it.');
    res.redirect(303, `/pledges/${pledge.id}`);
  });

  return router;
}
