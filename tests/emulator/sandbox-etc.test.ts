/**
 * The sandbox's /etc/nsswitch.conf: users and groups from `files` alone (what the sandbox shows), the rest as
 * the host's — so `setpriv`'s lookup of the instance's uid loads no other NSS module, and names still resolve.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { sandboxNsswitch } from "../../emulator/runtime/sandbox";
import { deploy, sdkInvoke } from "./invoke-helpers";

const PROBE = `import pwd, socket

def handler(event, context):
    try:
        with open('/etc/nsswitch.conf') as f:
            nss = f.read()
    except OSError:
        nss = None
    return {'nss': nss, 'localhost': socket.gethostbyname('localhost'), 'root': pwd.getpwuid(0).pw_name}
`;

describe("the sandbox's nsswitch.conf", () => {
  it("keeps every line of the host's but answers users and groups from files alone", () => {
    const host = "# comment\npasswd:         files systemd\ngroup:\tcompat sss\nshadow: files\ngshadow:  files systemd\n" +
      "hosts:          files mdns4_minimal [NOTFOUND=return] dns\nnetgroup:       nis\n";
    assert.equal(sandboxNsswitch(host), "# comment\npasswd: files\ngroup: files\nshadow: files\ngshadow: files\n" +
      "hosts:          files mdns4_minimal [NOTFOUND=return] dns\nnetgroup:       nis\n");
  });

  describe("inside a sandboxed Python function", () => {
    let emu: EmulatorHandle;
    before(async () => {
      emu = await startEmulator({ quiet: true });
    });
    after(async () => {
      await emu.close();
    });

    it("is the derived file, and localhost and root still resolve", async () => {
      await deploy(emu, "nss-probe", { "index.py": PROBE }, { runtime: "Python3.10" });
      const r = await sdkInvoke(emu, "nss-probe");
      assert.equal(r.status, 200, `the invocation failed: ${r.result}`);
      const out = r.parsed();
      const host = fs.existsSync("/etc/nsswitch.conf") ? fs.readFileSync("/etc/nsswitch.conf", "utf8") : null;
      assert.equal(out.nss, host === null ? null : sandboxNsswitch(host));
      assert.equal(out.localhost, "127.0.0.1");
      assert.equal(out.root, "root");
    });
  });
});
