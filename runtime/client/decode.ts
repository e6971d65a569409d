import type { ClientEventSpec, InvalidEvent, Validator } from './types.js';

export type Decoded = { valid: true; data: unknown } | { valid: false; data: unknown; errors: InvalidEvent['errors'] };

/** Parses an event's data by its content type and checks it with the validator, when there is one. */
export function decode(spec: ClientEventSpec, text: string, validate: Validator | undefined): Decoded {
  let data: unknown = text;
  if (spec.contentType === 'application/json') {
    try {
      data = JSON.parse(text);
    } catch {
      return { valid: false, data: text, errors: [{ instancePath: '', message: 'is not valid JSON' }] };
    }
  }
  if (!validate || validate(data)) return { valid: true, data };
  const errors = (validate.errors ?? []).map(({ instancePath, message }) => ({ instancePath, message }));
  return { valid: false, data, errors };
}
