/**
 * Where rxdaemon writes about its own work. Each method is called with one
 * string, which both `console` and pino accept. No line ever holds a token.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = (): void => undefined;

/** The default: rxdaemon says nothing unless given a logger; the events say it all. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
