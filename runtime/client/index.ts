export { subscribe } from './subscription.js';
export { post } from './post.js';
export { HttpError } from './http.js';
export type * from './types.js';
