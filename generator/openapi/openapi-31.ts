/**
 * The OpenAPI 3.2 document → a 3.1 view (`openapi-3.1.json`) for generators that do not read
 * `itemSchema` yet: each `text/event-stream` response's `schema` is the union of the event
 * payloads, the shape such tools type a stream's `data` from.
 */
import type { OpenApiDocument } from './openapi.js';

type Json = Record<string, unknown>;

export function openApi31View(document: OpenApiDocument): OpenApiDocument {
  const view = structuredClone(document);
  view.openapi = '3.1.0';
  for (const pathItem of Object.values(view.paths as Record<string, Json>)) {
    for (const operation of Object.values(pathItem) as Json[]) {
      for (const response of Object.values(operation.responses as Record<string, Json>)) {
        const content = response.content as Record<string, Json> | undefined;
        const stream = content?.['text/event-stream'];
        if (stream) content!['text/event-stream'] = { schema: payloadUnion(stream.itemSchema as Json) };
      }
    }
  }
  return view;
}

/** The distinct payload schemas of the events, one schema when they share one. */
function payloadUnion(itemSchema: Json): unknown {
  const items = (itemSchema.oneOf as Json[] | undefined) ?? [itemSchema];
  const payloads = items.map((item) => {
    const data = (item.properties as Record<string, Json>).data!;
    return data.contentSchema ?? data;
  });
  const distinct = [...new Map(payloads.map((payload) => [JSON.stringify(payload), payload])).values()];
  return distinct.length === 1 ? distinct[0] : { oneOf: distinct };
}
