/**
 * The sandbox's /etc: nsswitch.conf answers users and groups from `files` alone (what the sandbox shows), the rest
 * as the host's — so `setpriv`'s lookup of the instance's uid loads no other NSS module, and names still resolve.
 * Its plain files are copies bwrap writes at each start (from descriptors the spawn passes), with the host's read
 * bits and no write bit, on the sandbox's root remounted read-only; its directories are bound read-only; no
 * descriptor of the host's files stays open inside.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { bwrapArgs, sandboxNsswitch } from "../../emulator/runtime/sandbox";
import { deploy, sdkInvoke } from "./invoke-helpers";

const PROBE = `import errno, os, pwd, socket

def handler(event, context):
    try:
        with open('/etc/nsswitch.conf') as f:
            nss = f.read()
    except OSError:
        nss = None
    with open('/etc/passwd') as f:
        passwd = f.read()
    try:
        open('/etc/passwd', 'a').close()
        write = 'ok'
    except OSError as e:
        write = errno.errorcode[e.errno]
    fds = []
    for fd in os.listdir('/proc/self/fd'):
        try:
            fds.append(os.readlink('/proc/self/fd/' + fd))
        except OSError:
            pass
    return {'nss': nss, 'localhost': socket.gethostbyname('localhost'), 'root': pwd.getpwuid(0).pw_name,
            'passwd': passwd, 'passwdWrite': write, 'fds': fds, 'ssl': os.path.isdir('/etc/ssl'),
            'etcReadOnly': bool(os.statvfs('/etc').f_flag & os.ST_RDONLY)}
`;

describe("the sandbox's nsswitch.conf", () => {
  it("keeps every line of the host's but answers users and groups from files alone", () => {
    const host = "# comment\npasswd:         files systemd\ngroup:\tcompat sss\nshadow: files\ngshadow:  files systemd\n" +
      "hosts:          files mdns4_minimal [NOTFOUND=return] dns\nnetgroup:       nis\n";
    assert.equal(sandboxNsswitch(host), "# comment\npasswd: files\ngroup: files\nshadow: files\ngshadow: files\n" +
      "hosts:          files mdns4_minimal [NOTFOUND=return] dns\nnetgroup:       nis\n");
  });

  it("shows /etc's plain files as bwrap copies from passed descriptors (read bits kept, no write bit), its directories bound", () => {
    const host = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-etc-"));
    try {
      fs.writeFileSync(path.join(host, "passwd"), "root:x:0:0::/root:/bin/sh\n", { mode: 0o644 });
      fs.writeFileSync(path.join(host, "gai.conf"), "# private\n", { mode: 0o600 });
      fs.mkdirSync(path.join(host, "ssl"));
      const sources = { passwd: path.join(host, "passwd"), "gai.conf": path.join(host, "gai.conf"), ssl: path.join(host, "ssl"),
        hosts: path.join(host, "no-such-file") };
      const { args, inputFiles } = bwrapArgs({ user: { uid: 1_000_000_001, gid: 1_000_000_001 }, setpriv: "/usr/bin/setpriv", mounts: [],
        etcSources: sources, network: "host", cwd: "/", command: ["true"] }, 4);
      const fileArg = (dest: string) => {
        const i = args.findIndex((a, k) => a === "--file" && args[k + 2] === dest);
        return i < 0 ? undefined : { perms: args[i - 1], fd: Number(args[i + 1]) };
      };
      const passwd = fileArg("/etc/passwd");
      assert.equal(passwd?.perms, "0444");
      assert.equal(inputFiles[passwd!.fd - 4], sources.passwd, "the descriptor after stdio is the host's file");
      const gai = fileArg("/etc/gai.conf");
      assert.equal(gai?.perms, "0400", "a file others cannot read on the host stays unreadable to the function's user");
      assert.equal(inputFiles[gai!.fd - 4], sources["gai.conf"]);
      assert.ok(args.join(" ").includes(`--ro-bind ${sources.ssl} /etc/ssl`), "a directory is bound read-only");
      assert.ok(!args.includes("/etc/hosts"), "an absent entry is absent inside");
      assert.ok(args.indexOf("--remount-ro") > args.lastIndexOf("--file"), "the root (with the copies) is made read-only after them");
      assert.ok(!args.some((a, k) => a.startsWith("--ro-bind") && args[k + 2]?.startsWith("/etc/") && !fs.statSync(args[k + 1]).isDirectory()),
        "no plain /etc file is bind-mounted");
    } finally {
      fs.rmSync(host, { recursive: true, force: true });
    }
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
      assert.equal(out.passwd, fs.readFileSync("/etc/passwd", "utf8"), "the copy has the host's content");
      assert.match(out.passwdWrite, /^(EACCES|EROFS)$/, "the function's user cannot change /etc");
      assert.equal(out.etcReadOnly, true, "the copies lie on a read-only mount, as the binds were read-only");
      assert.equal(out.ssl, fs.existsSync("/etc/ssl"));
      assert.deepEqual(out.fds.filter((f: string) => f.includes("/etc/")), [],
        `no descriptor of a host /etc file is left open inside (${out.fds.join(", ")})`);
    });
  });
});
