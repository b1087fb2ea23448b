// Loaded into the app's process by tests/deploy/nginx.test.ts (node --import): counts the requests the app itself
// receives, by URL, and prints the counts on SIGUSR2. Nothing is logged per request, so the count costs the app
// nothing measurable under load.
import http from 'node:http';

const counts: Record<string, number> = {};
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request') {
    const url = (args[0] as http.IncomingMessage).url ?? '';
    counts[url] = (counts[url] ?? 0) + 1;
  }
  return Reflect.apply(emit, this, [event, ...args]) as boolean;
} as typeof emit;
process.on('SIGUSR2', () => process.stdout.write(`request counts ${JSON.stringify(counts)}\n`));
