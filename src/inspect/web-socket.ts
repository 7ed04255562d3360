// Sends inspection events to a WebSocket server (e.g. @statelyai/inspect's inspector server), one JSON text each.
import { jsonLine } from "./json-line.ts";

const CONNECT_MS = 3_000;
const DRAIN_MS = 3_000;

/** An adapter for createInspector(): queues until the socket opens; close() sends what is left, then closes. */
export function webSocketAdapter(url: string) {
  const socket = new WebSocket(url);
  const queue: string[] = [];
  let failure: string | null = null;
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector at ${url}`)), { once: true });
  }).then(
    () => {
      for (const text of queue.splice(0)) socket.send(text);
    },
    (error: Error) => {
      failure = error.message;
      queue.length = 0;
    },
  );
  return {
    send(event: unknown): void {
      if (failure) return;
      const text = jsonLine(event);
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    },
    /** Resolves once every event is sent and the socket closed; throws when the server could not be reached. */
    async close(): Promise<void> {
      await Promise.race([opened, Bun.sleep(CONNECT_MS)]);
      if (socket.readyState !== WebSocket.OPEN) {
        socket.close();
        throw new Error(failure ?? `cannot reach the inspector at ${url} (no connection after ${CONNECT_MS / 1000} s)`);
      }
      for (const deadline = performance.now() + DRAIN_MS; socket.bufferedAmount > 0 && performance.now() < deadline; ) await Bun.sleep(10);
      const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve(), { once: true }));
      socket.close(1000, "run ended");
      await Promise.race([closed, Bun.sleep(1_000)]);
    },
  };
}
