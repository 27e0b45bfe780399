/** The errno of a node error (`ENOENT`, `ECONNREFUSED`…), or undefined when it carries none. */
export const errnoOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
