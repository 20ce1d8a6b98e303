import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** After every journey: the run fails when the server panicked (a page cut short while rendering,
 * a task that died), a page stalled while rendering and had to be rendered again, or a head tag
 * was rendered outside its page, even if every page looked right in the browser. */
export default function checkServerLog() {
  const path = join(__dirname, "test-results", "server.log");
  if (!existsSync(path)) return;
  const log = readFileSync(path, "utf8");
  const panics = log.split("\n").filter((line) => line.includes("panicked at"));
  const stalls = log.split("\n").filter((line) => line.includes("stalled while rendering"));
  // Printed by leptos_meta when a head tag is rendered outside its page (app/src/ui/mod.rs,
  // forget_chunk_preloads).
  const strays = log.split("\n").filter((line) => line.includes("without `ServerMetaContext`"));
  console.log(
    `server log: ${panics.length} panics, ${stalls.length} stalled renders, ${strays.length} stray head tags`,
  );
  if (panics.length > 0 || stalls.length > 0 || strays.length > 0) {
    throw new Error(`the server's log shows trouble:\n${[...panics, ...stalls, ...strays].join("\n")}`);
  }
}
