/** A mounted route of the gateway: everything under `prefix` goes to it with the prefix removed. */
import type http from "node:http";
import type { Duplex } from "node:stream";

export interface Route {
  readonly prefix: string;
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, rawQuery: string): Promise<void>;
  upgrade?(req: http.IncomingMessage, socket: Duplex, head: Buffer, path: string, rawQuery: string): void | Promise<void>;
}
