// `seqorch run --inspect[=TARGET]`: connects the running machine to an inspector. @statelyai/inspect is loaded
// only here, with a dynamic import, so a run without --inspect never pays for it.
import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { InspectionEvent } from "xstate";
import { WriteError } from "../errors.ts";
import { jsonLine } from "./json-line.ts";
import { webSocketAdapter } from "./web-socket.ts";

export interface RunInspector {
  /** Pass to createActor(machine, { inspect }). */
  inspect: (event: InspectionEvent) => void;
  /** Deliver what is still queued and let go of the connection or file. Throws when events could not be delivered. */
  close(): Promise<void>;
  /** One line for the user: where the events go. */
  describe: string;
}

/** @statelyai/inspect converts events on a zero-delay timer; one more timer runs after all of them. */
const converted = () => new Promise<void>((done) => setTimeout(done, 0));

/**
 * An inspector for `target`: "" or "true" → Stately Sky (needs the network; the library prints the link),
 * `ws://` or `wss://` URL → a WebSocket inspector server, anything else → a file of JSON lines.
 * `warn` hears about connection problems while the run goes on.
 */
export async function createRunInspector(target: string, warn: (message: string) => void = () => {}): Promise<RunInspector> {
  const { createInspector, createSkyInspector } = await import("@statelyai/inspect");
  if (target === "" || target === "true") {
    let warned = false;
    const sky = createSkyInspector({
      onerror: () => {
        if (!warned) warn("cannot reach the Stately Sky inspector (it needs the network); the run goes on");
        warned = true;
      },
    });
    return {
      inspect: (event) => sky.inspect.next?.(event),
      close: async () => {
        await converted();
        await Bun.sleep(1_000); // the socket offers no way to know its queue is sent
        sky.stop();
      },
      describe: "Stately Sky inspector: the link to open in a browser is printed once connected (needs the network)",
    };
  }
  if (/^wss?:\/\//.test(target)) {
    const adapter = webSocketAdapter(target);
    const inspector = createInspector(adapter);
    return {
      inspect: (event) => inspector.inspect.next?.(event),
      close: async () => {
        await converted();
        await adapter.close();
      },
      describe: `WebSocket inspector: sending inspection events to ${target}`,
    };
  }
  const file = resolve(target);
  let fd: number;
  try {
    fd = openSync(file, "w");
  } catch (error) {
    throw new WriteError(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  let open = true;
  const inspector = createInspector({ send: (event) => open && writeSync(fd, `${jsonLine(event)}\n`) });
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    close: async () => {
      await converted();
      open = false;
      closeSync(fd);
    },
    describe: `inspection events go to ${file} (one JSON object per line)`,
  };
}
