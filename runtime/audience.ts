/**
 * Who an addressed broadcast is for: whether a stream is in a broadcast's audience, asked alike
 * by live delivery and by replay after a reconnect.
 */
import type { AudienceMember, BroadcastAudience } from './ports.js';

/** True when `member` matches every field `audience` gives (metadata values compared with `===`). */
export function inAudience(member: AudienceMember, audience: BroadcastAudience): boolean {
  const identity = member.identity?.id;
  if (audience.identity !== undefined && identity !== audience.identity) return false;
  if (audience.exceptIdentity !== undefined && identity === audience.exceptIdentity) return false;
  if (audience.metadata) {
    const metadata = member.metadata;
    for (const name in audience.metadata) if (metadata[name] !== audience.metadata[name]) return false;
  }
  return true;
}
