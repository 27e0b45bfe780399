/** What went wrong, for programs (`code`) and for people (a message naming the path and the reason). */
export interface FileProblem {
  readonly code: string;
  readonly message: string;
}
