// Editor forms for political events: add, edit (with the pledges they bear on), delete.
import { Router, type Response } from 'express';
import { editorWrite, flash, requireEditor } from '../auth/auth.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { createEvent, deleteEvent, findEvent, moreSourcesOf, pledgesOfEvent, updateEvent } from './events.repository.ts';
import { type PoliticalEvent } from './event.model.ts';
import { emptyEventForm, MORE_SOURCE_NUMBERS, moreSourceValues, readEventForm, validateEvent, type EventFormValues } from './events.validation.ts';
import { pledgeExists } from '../pledges/pledges.repository.ts';
import { readReason, type FieldErrors } from '../lib/validation.ts';

export function eventsEditRouter(db: Db): Router {
  const router = Router();

  function renderForm(res: Response, status: number, form: { eventId: number | null; values: EventFormValues; errors: FieldErrors }) {
    const editing = form.eventId !== null;
    res.status(status).render('events/form', {
      title: editing ? 'Edit political event' : 'Add a political event',
      action: editing ? `/events/${form.eventId}` : '/events',
      submitLabel: editing ? 'Save changes' : 'Add the event',
      moreSourceNumbers: MORE_SOURCE_NUMBERS,
      ...form,
    });
  }

  function existing(id: unknown): PoliticalEvent {
    const eventId = parseId(id, 'event');
    const event = findEvent(db, eventId);
    if (!event) throw new HttpError(404, `There is no event with id ${eventId}.`);
    return event;
  }

  const exists = (id: number) => pledgeExists(db, id);

  router.get('/events/new', requireEditor, (req, res) => {
    // "Add an event" from a pledge's page arrives with that pledge already linked.
    const values = emptyEventForm();
    if (typeof req.query.pledge === 'string' && /^\d{1,15}$/.test(req.query.pledge)) values.pledge_ids = req.query.pledge;
    // "Add what the pledger got" arrives as a concession.
    if (req.query.kind === 'concession') values.kind = 'concession';
    renderForm(res, 200, { eventId: null, values, errors: {} });
  });

  router.post('/events', ...editorWrite, (req, res) => {
    const { values, errors } = readEventForm(req.body);
    const result = validateEvent(values, exists, errors);
    if (!result.ok) return renderForm(res, 422, { eventId: null, values, errors: result.errors });
    const id = createEvent(db, result.value, req.editor!);
    flash(req, 'Event added.');
    res.redirect(303, `/events/${id}`);
  });

  router.get('/events/:id/edit', requireEditor, (req, res) => {
    const event = existing(req.params.id);
    const values: EventFormValues = {
      ...emptyEventForm(),
      occurred_on: event.occurred_on,
      title: event.title,
      kind: event.kind,
      concession_type: event.concession_type ?? '',
      note: event.note,
      source_url: event.source_url ?? '',
      source_title: event.source_title,
      ...moreSourceValues(moreSourcesOf(db, event.id)),
      pledge_ids: pledgesOfEvent(db, event.id).map((pledge) => pledge.id).join(', '),
    };
    renderForm(res, 200, { eventId: event.id, values, errors: {} });
  });

  router.post('/events/:id', ...editorWrite, (req, res) => {
    const event = existing(req.params.id);
    const { values, errors } = readEventForm(req.body);
    const result = validateEvent(values, exists, errors);
    if (!result.ok) return renderForm(res, 422, { eventId: event.id, values, errors: result.errors });
    updateEvent(db, event.id, result.value, req.editor!);
    flash(req, 'Changes saved.');
    res.redirect(303, `/events/${event.id}`);
  });

  router.get('/events/:id/delete', requireEditor, (req, res) => {
    res.render('events/delete', { title: 'Delete event', event: existing(req.params.id), reason: '', errors: {} });
  });

  router.post('/events/:id/delete', ...editorWrite, (req, res) => {
    const event = existing(req.params.id);
    const reason = readReason(req.body?.reason);
    if (!reason.ok) {
      res.status(422).render('events/delete', { title: 'Delete event', event, reason: reason.typed, errors: reason.errors });
      return;
    }
    deleteEvent(db, event.id, req.editor!, reason.reason);
    flash(req, 'Event deleted.');
    res.redirect(303, '/events');
  });

  return router;
}
