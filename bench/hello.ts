// The benchmark's yardstick: a bare Express 5 hello-world route, on the same machine as the tracker.
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.send('Hello, world!');
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`hello-world listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
