// Reader pages about political events.
import { Router, type Response } from 'express';
import { asOfOf } from '../platform/http/as-of.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { datedBy } from '../pledges/pledges.filter.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { findEvent, listEvents, moreSourcesOf, pledgesOfEvent, topPledgesByEvent } from './events.repository.ts';
import { revisionsOf } from '../revisions/revisions.repository.ts';

export function eventsRouter(db: Db): Router {
  const router = Router();

  // As of a date: the events, and the pledges, dated by then.
  const beforeOf = (res: Response) => {
    const asOf = asOfOf(res);
    return asOf === null ? null : datedBy(asOf);
  };

  router.get('/events', (_req, res) => {
    const before = beforeOf(res);
    res.render('events/index', { title: 'Political events', events: listEvents(db, before), pledgesByEvent: topPledgesByEvent(db, 5, before) });
  });

  router.get('/events/:id', (req, res) => {
    const id = parseId(req.params.id, 'event');
    const event = findEvent(db, id);
    if (!event) throw new HttpError(404, `There is no event with id ${id}.`);
    const before = beforeOf(res);
    if (before !== null && event.occurred_on >= before) {
      throw new HttpError(404, `This event is dated ${formatPartialDate(event.occurred_on)}, after ${formatPartialDate(asOfOf(res)!)}: as of that date the tracker has no such event.`);
    }
    res.render('events/show', {
      title: event.title,
      event,
      moreSources: moreSourcesOf(db, id),
      pledges: pledgesOfEvent(db, id, before),
      revisions: revisionsOf(db, 'event', id),
    });
  });

  return router;
}
