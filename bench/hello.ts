// The benchmark's yardstick: a bare Express 5 hello-world route, on the same machine as the tracker. With
// BODY_BYTES, the same route sends that many bytes instead (as many as the dashboard's compressed page): what the
// load generator can read of an answer that size, with no work behind it.
import crypto from 'node:crypto';
import express from 'express';

const size = Number(process.env.BODY_BYTES ?? 0);
// Random bytes: as a compressed page, they do not compress again on the way.
const body = size > 0 ? crypto.randomBytes(size) : 'Hello, world!';
const app = express();
app.get('/', (_req, res) => {
  if (typeof body !== 'string') res.type('html');
  res.send(body);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`hello-world listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
