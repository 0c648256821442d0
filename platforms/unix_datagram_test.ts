/**
 * Tests for the Unix datagram socket the syslog logger sends over (the
 * sending itself is tested with the logger, in lib/log_test.ts).
 *
 * @module
 */

import assert from "node:assert/strict";
import { connectUnixDatagram, sockaddrUn } from "./unix_datagram.ts";

Deno.test("sockaddr_un is the u16 family then the NUL-terminated path", () => {
  assert.deepEqual(
    sockaddrUn("/dev/log"),
    new Uint8Array([1, 0, 0x2f, 0x64, 0x65, 0x76, 0x2f, 0x6c, 0x6f, 0x67, 0]),
  );
  const longest = "/" + "a".repeat(106); // 107 bytes + NUL = 108
  assert.equal(sockaddrUn(longest)?.length, 2 + 108);
  assert.equal(sockaddrUn(longest + "a"), null);
  assert.equal(sockaddrUn(""), null);
});

Deno.test("a path with no socket, or one too long, connects nothing", () => {
  assert.equal(connectUnixDatagram("/nonexistent/austin-datagram-test.sock"), null);
  assert.equal(connectUnixDatagram(`/${"x".repeat(200)}`), null);
  assert.equal(connectUnixDatagram(""), null);
});
