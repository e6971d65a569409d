/** Serves a request listener (an Express app, say) on 127.0.0.1 with an ephemeral port, for any suite. */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Running {
  server: Server;
  port: number;
  url: string;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

export async function listen(app: RequestListener): Promise<Running> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
