/**
 * Which instance and path each load connection uses. On topics, a topic's streams all go to one
 * instance (as a load balancer hashing on the path would place them), so each instance follows
 * only its share of the topics and, with per-topic routing, receives only their broadcasts.
 */

export interface Placement {
  /** Instances the connections are dealt out to. */
  instances: number;
  /** 0: every connection opens `GET /events`; otherwise connection i follows topic `t<i mod topics>`. */
  topics: number;
}

/** The name of topic number `n`, as streams open it and broadcasts address it. */
export function topicName(n: number): string {
  return `t${n}`;
}

function topicOf(index: number, placement: Placement): string | null {
  return placement.topics > 0 ? topicName(index % placement.topics) : null;
}

export function pathOf(index: number, placement: Placement): string {
  const topic = topicOf(index, placement);
  return topic === null ? '/events' : `/topics/${topic}`;
}

export function instanceOf(index: number, placement: Placement): number {
  return (placement.topics > 0 ? index % placement.topics : index) % placement.instances;
}

/** How many of the first `connections` connections land on `instance`. */
export function connectionsOn(instance: number, connections: number, placement: Placement): number {
  let count = 0;
  for (let index = 0; index < connections; index++) if (instanceOf(index, placement) === instance) count++;
  return count;
}
