import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort, runDemoProcess } from './process.js';

describe('server.ts (npm start)', () => {
  it('refuses a PORT that is not a port number with one line and exit code 1', async () => {
    const { code, stdout, stderr } = await runDemoProcess('http');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('PORT must be a port number (0 to 65535), not "http"\n');
  });

  it('says so when the port is taken, without a stack trace', async () => {
    const port = await freePort();
    const taken = createServer().listen(port);
    await once(taken, 'listening');
    try {
      const { code, stderr } = await runDemoProcess(String(port));
      expect(code).toBe(1);
      expect(stderr).toBe(`Port ${port} is already in use; set PORT to another one\n`);
    } finally {
      taken.close();
    }
  });
});
