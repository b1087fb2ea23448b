// Pages of prose that explain the tracker: how the figures are counted.
import { Router } from 'express';

export function pagesRouter(): Router {
  const router = Router();

  router.get('/methodology', (_req, res) => {
    res.render('methodology', { title: 'How the figures are counted', nav: 'methodology' });
  });

  return router;
}
