// Reader pages about political events.
import { Router } from 'express';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { findEvent, listEvents, moreSourcesOf, pledgesOfEvent, topPledgesByEvent } from './events.repository.ts';
import { revisionsOf } from '../revisions/revisions.repository.ts';

export function eventsRouter(db: Db): Router {
  const router = Router();

  router.get('/events', (_req, res) => {
    res.render('events/index', { title: 'Political events', events: listEvents(db), pledgesByEvent: topPledgesByEvent(db) });
  });

  router.get('/events/:id', (req, res) => {
    const id = parseId(req.params.id, 'event');
    const event = findEvent(db, id);
    if (!event) throw new HttpError(404, `There is no event with id ${id}.`);
    res.render('events/show', {
      title: event.title,
      event,
      moreSources: moreSourcesOf(db, id),
      pledges: pledgesOfEvent(db, id),
      revisions: revisionsOf(db, 'event', id),
    });
  });

  return router;
}
