/** A failed attempt of a built-in check: an Error with a `code`, read into the event as `{ code, message }`. */
export type CheckError = Error & { readonly code: string };

/** A {@link CheckError}; its message goes into an event, so it is short and holds no secret. */
export const checkError = (code: string, message: string): CheckError => Object.assign(new Error(message), { code });

