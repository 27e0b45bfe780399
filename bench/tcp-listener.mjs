// P8's TCP listener, in a process of its own so its accepts are not counted
// against the supervisor: forked with IPC, it sends the port it listens on
// (loopback, chosen by the kernel), closes each connection as it comes, and
// answers `count` with how many it has accepted.
import { createServer } from 'node:net';

let accepted = 0;
const server = createServer((socket) => {
  accepted++;
  socket.destroy();
});
// The supervisor opens up to 1,000 connections at one instant: a backlog that holds them all.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 }, () => {
  process.send({ port: server.address().port });
});
process.on('message', (message) => {
  if (message === 'count') process.send({ accepted });
});
process.on('disconnect', () => process.exit(0));
