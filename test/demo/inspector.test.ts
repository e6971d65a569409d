import { describe, expect, it } from 'vitest';
import type { InspectorSnapshot } from '../../runtime/index.js';
import { AUTH, useDemo } from './harness.js';
import { EventReader } from './sse.js';

describe('the demo\'s connection inspector', () => {
  const demo = useDemo();

  it('is the admin\'s: anonymous callers get 401 and users 403, as problem+json', async () => {
    const anonymous = await fetch(`${demo().url}/inspector`);
    const user = await fetch(`${demo().url}/inspector/stream`, { headers: AUTH.u1 });
    expect([anonymous.status, anonymous.headers.get('content-type')]).toEqual([401, 'application/problem+json; charset=utf-8']);
    expect([user.status, user.headers.get('content-type')]).toEqual([403, 'application/problem+json; charset=utf-8']);
  });

  it("shows the admin a user's notification stream as that user's id, without the user's token", async () => {
    const stream = await EventReader.open(`${demo().url}/notifications/stream`, { headers: AUTH.u1 });
    const inspector = await EventReader.open(`${demo().url}/inspector/stream`, { headers: AUTH.admin });
    const [first] = await inspector.take(1);
    const snapshot = JSON.parse(first!.data) as InspectorSnapshot;
    const notifications = snapshot.operations.find((operation) => operation.path === '/notifications/stream')!;
    expect(notifications.connections.map((connection) => connection.identity)).toEqual(['u1']);
    expect(first!.data).not.toContain('user-token');
    stream.close();
    inspector.close();
  });
});
