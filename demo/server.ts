/**
 * The demo service: every endpoint of asyncapi.yaml, its dashboard at `/` and its docs at `/docs`.
 * `TLS_CERT` and `TLS_KEY` (PEM files) serve HTTPS with HTTP/2 and HTTP/1.1; `H2C=1` serves
 * cleartext HTTP/2 (prior knowledge), for a proxy in front; otherwise plain HTTP/1.1.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { createDemoApp } from './app.js';
import { appServerOptions, createHttp2AppServer, guardServer } from 'asyncapi-sse/runtime';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 to 65535), not "${process.env.PORT}"`);
  process.exit(1);
}
const { TLS_CERT, TLS_KEY, H2C } = process.env;
if (Boolean(TLS_CERT) !== Boolean(TLS_KEY)) {
  console.error('Set both TLS_CERT and TLS_KEY (PEM files), or neither');
  process.exit(1);
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    console.error(`${variable}: cannot read ${path}: ${(error as Error).message}`);
    process.exit(1);
  }
}

// With REDIS_URL (one server) or REDIS_CLUSTER (`host:port,...`, some nodes of a Redis Cluster),
// instances share broadcasts, replay and stream limits; commands wait through an outage.
const redis = process.env.REDIS_CLUSTER
  ? new Cluster(process.env.REDIS_CLUSTER.split(','), { redisOptions: { maxRetriesPerRequest: null } })
  : process.env.REDIS_URL
    ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null })
    : undefined;
const demo = await createDemoApp({ redis });
const [server, scheme, protocols] = TLS_CERT
  ? [createHttp2AppServer(demo.app, { cert: readPem('TLS_CERT', TLS_CERT), key: readPem('TLS_KEY', TLS_KEY!) }), 'https', 'HTTP/2 and HTTP/1.1']
  : H2C === '1'
    ? [createHttp2AppServer(demo.app), 'http', 'HTTP/2 only, prior knowledge']
    : // Requests and responses born with the app's prototypes cost each open stream less memory; the
      // guard answers malformed requests as problem+json and closes slow ones (docs/runtime.md).
      [guardServer(createServer(appServerOptions(demo.app), demo.app)), 'http', 'HTTP/1.1'];
server.once('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use; set PORT to another one` : `Cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, () => {
  const { port: listening } = server.address() as AddressInfo;
  console.log(`Listening on ${scheme}://localhost:${listening} (${protocols}; dashboard /, docs /docs)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void demo
      .close()
      .then(() => redis?.quit())
      .then(() => process.exit(0));
  });
}
