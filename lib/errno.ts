// A string field of what was thrown, whatever was thrown: node's errors carry theirs as plain properties.
const fieldOf = (error: unknown, name: 'code' | 'syscall'): string | undefined => {
  const value = typeof error === 'object' && error !== null ? (error as Readonly<Record<string, unknown>>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
};

/** The errno of a node error (`ENOENT`, `ECONNREFUSED`…), or undefined when it carries none. */
export const errnoOf = (error: unknown): string | undefined => fieldOf(error, 'code');

/** The system call a node error names (`spawn /bin/x`, `open`…), or undefined when it names none. */
export const syscallOf = (error: unknown): string | undefined => fieldOf(error, 'syscall');

/** An Error with an errno-style `code`, as node's own carry one: what programs switch on, beside the message people read. */
export const codedError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
