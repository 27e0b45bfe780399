/** The errno of a node error (`ENOENT`, `ECONNREFUSED`…), or undefined when it carries none. */
export const errnoOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** An Error with an errno-style `code`, as node's own carry one: what programs switch on, beside the message people read. */
export const codedError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
