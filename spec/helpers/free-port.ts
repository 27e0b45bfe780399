import { createServer, type AddressInfo } from 'node:net';

/** A port of 127.0.0.1 nothing listens on now (the OS's pick, closed again), for a server a spec starts later. */
export const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};
