import type { Socket } from 'node:net';

/**
 * Ends `socket` gracefully: whatever is still buffered for it is flushed, then it is closed.
 * (destroy() alone would drop buffered bytes, e.g. the tail of a backend's last answer.)
 */
function flushThenClose(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
}

/**
 * Pipes two connected sockets both ways. When one side closes, the other is closed too:
 * at once if that side failed, after flushing what is buffered for it otherwise.
 */
export function joinSockets(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('close', (hadError: boolean) => (hadError ? b.destroy() : flushThenClose(b)));
  b.on('close', (hadError: boolean) => (hadError ? a.destroy() : flushThenClose(a)));
}
