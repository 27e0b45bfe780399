import { codedError } from '../errno.js';

/** A failed attempt of a built-in check: an Error with a `code`, read into the event as `{ code, message }`. */
export type CheckError = Error & { readonly code: string };

/** A {@link CheckError}; its message goes into an event, so it is short and holds no secret. */
export const checkError = (code: string, message: string): CheckError => codedError(code, message) as CheckError;

