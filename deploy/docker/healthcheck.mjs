// Container healthcheck: exits 0 when host:port accepts a TCP connection within 2 s, else 1.
//   node deploy/docker/healthcheck.mjs 127.0.0.1:7401
import { connect } from 'node:net';

const [host, port] = (process.argv[2] ?? '').split(':');
const socket = connect({ host, port: Number(port) });
const fail = () => process.exit(1);
socket.setTimeout(2000, fail);
socket.once('error', fail);
socket.once('connect', () => {
  socket.destroy();
  process.exit(0);
});
