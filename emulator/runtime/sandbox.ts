/**
 * The sandbox every function instance runs in: bubblewrap (`bwrap`) with fresh mount, PID, IPC and UTS
 * namespaces. Inside, the process sees only: the system directories (`/usr`, `/bin`, `/lib*`, a few `/etc`
 * entries, `nsswitch.conf` derived: `sandboxNsswitch`) and the runtime's interpreter prefix, read-only; its code at `/opt/function/code` and the runner
 * scripts at `/opt/function/runtime`, read-only; any further read-only mounts the launch names (the function's
 * dependencies under `/opt/function/dependencies/<n>`); its own writable `/tmp`; a fresh `/proc` showing only
 * its own processes; a minimal `/dev` with a `/dev/shm` of its own (a tmpfs no larger than the function's memory); the host's network, or (HTTP functions) a network namespace of its own.
 * Nothing of the data dir, the emulator's work dir, other instances or other processes.
 *
 * Users: each function has a uid of its own (sandbox-users.ts). When the emulator runs as root, bwrap runs as
 * root (it needs no user namespace) and the command is started through `setpriv` as that uid with no
 * capabilities and no new privileges, so the uid is real on the host too. Otherwise bwrap makes a user
 * namespace and the uid exists inside it only (outside, the process is the emulator's user; the namespaces
 * still keep instances apart).
 *
 * `/etc`: its plain files are copied in by bwrap (`--file`, from descriptors the spawn opens: launch.ts `spawnInstance`),
 * read fresh at every start, without write bits, on the sandbox's root that is remounted read-only once set up —
 * so no mount per file (each bind mount costs bwrap a re-read of the whole mount table); its directories (`ssl`, …)
 * are bound read-only.
 *
 * System calls: the seccomp filter of seccomp.ts (no new namespaces, mounts, keyrings, eBPF, modules…), passed
 * like the `/etc` files.
 *
 * Lifetime: `--die-with-parent` and the PID namespace make the sandbox's whole process tree die with the bwrap
 * process the emulator started, so killing that one process (timeout, idle stop, close) ends every
 * descendant — detached children and new sessions included.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Where an instance's directories appear inside the sandbox. */
export const SANDBOX_PATHS = {
  code: "/opt/function/code",
  runners: "/opt/function/runtime",
  tmp: "/tmp",
  /** Parent of the function's dependency versions, each at `<dependencies>/<n>` in `depend_version_list` order. */
  dependencies: "/opt/function/dependencies",
} as const;

/** A directory (or file) of the host shown in the sandbox. */
export interface SandboxMount {
  /** Host path. */
  source: string;
  /** Path inside the sandbox. */
  dest: string;
  /** Writable inside (default: read-only). */
  writable?: boolean;
}

/** What one sandboxed process gets. Every field is plain data: the launch decides, this file only renders. */
export interface SandboxSpec {
  /** The instance's user inside the sandbox (and on the host when `hostRoot`). */
  user: { uid: number; gid: number };
  /**
   * When the emulator runs as root: the `setpriv` executable through which the command drops to `user` (bwrap
   * then runs without a user namespace). Undefined otherwise: bwrap maps `user` in a user namespace.
   */
  setpriv: string | undefined;
  /** The mounts beside the system ones, in order (code, runners, tmp, interpreter prefixes, dependencies…). */
  mounts: SandboxMount[];
  /** Host files shown instead of the host's `/etc/<name>` (e.g. `sandboxNsswitch`'s); the other entries are the host's. */
  etcSources?: Record<string, string>;
  /**
   * Size of the instance's own `/dev/shm` (a tmpfs every user may write, as on a host: POSIX semaphores and
   * shared memory, e.g. Python's multiprocessing), or undefined to leave bwrap's `/dev` without one.
   */
  shmBytes?: number;
  /** A host file holding the compiled seccomp filter the command runs under (seccomp.ts), or undefined for none. */
  seccomp?: string;
  /** `host`: the host's network (loopback included); `none`: a network namespace of its own (loopback only). */
  network: "host" | "none";
  /** Working directory inside. */
  cwd: string;
  /** The command and its arguments, as seen inside. */
  command: string[];
}

/** Directories of the host's system shown read-only (a symbolic link is recreated as one, e.g. merged /usr). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** `/etc` entries programs need (name service, TLS roots, time zone, the loader cache); nothing else of `/etc`. */
const ETC_ENTRIES = ["resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf", "ssl", "ca-certificates",
  "ca-certificates.conf", "pki", "crypto-policies", "localtime", "timezone", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
  "passwd", "group", "alternatives", "os-release", "mime.types"];

/**
 * The sandbox's `nsswitch.conf`, from the host's text: the user and group databases (`passwd`, `group`, `shadow`,
 * `gshadow`) answer from `files` alone, every other line unchanged. The sandbox shows only /etc/passwd and
 * /etc/group, so other sources (systemd, sss, ldap) cannot answer inside — yet each lookup would load their
 * modules, and `setpriv` looks the instance's uid up on every start.
 */
export function sandboxNsswitch(host: string): string {
  return host.replace(/^([ \t]*(?:passwd|group|shadow|gshadow)[ \t]*:).*$/gm, "$1 files");
}

/**
 * Writes into `dir` the `/etc` files the sandbox shows instead of the host's (`sandboxNsswitch`'s, when the host
 * has an nsswitch.conf) and returns them as `SandboxSpec.etcSources`.
 */
export function writeSandboxEtc(dir: string, hostEtc = "/etc"): Record<string, string> {
  let host: string;
  try {
    host = fs.readFileSync(path.join(hostEtc, "nsswitch.conf"), "utf8");
  } catch {
    return {}; // none on the host: none inside either
  }
  const file = path.join(dir, "nsswitch.conf");
  fs.writeFileSync(file, sandboxNsswitch(host), { mode: 0o644 });
  return { "nsswitch.conf": file };
}

/** `command` (a path, or a name looked up on the PATH and then in /usr/bin), undefined when not installed. */
export function findExecutable(command: string, envPath = process.env.PATH ?? ""): string | undefined {
  const candidates = command.includes("/") ? [command]
    : [...envPath.split(path.delimiter).filter(Boolean).map((d) => path.join(d, command)), path.join("/usr/bin", command)];
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** True when `p` is `dir` or inside it. */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith("/") ? dir : dir + "/");
}

/**
 * A bwrap command line: its arguments (without the leading executable), and the host files bwrap copies into the
 * sandbox — `inputFiles[k]` must be open for reading at the child's descriptor `firstFd + k` (launch.ts `spawnInstance`).
 */
export interface BwrapCommand {
  args: string[];
  inputFiles: string[];
  /** Where bwrap's own options end in `args` (the `--` before the command): those go through `--args`. */
  optionsEnd: number;
  /** Where `spec.command` starts in `args` (after bwrap's and setpriv's options): `sandboxEnv`'s stage goes there. */
  commandAt: number;
}

/**
 * Variables the dynamic loader and the C library act on before `main` (glibc's unsecure list: preloads, audit
 * modules, library, locale and gconv paths, tunables): a function's value must never reach a process that runs
 * with privileges (bwrap on the host, setpriv before its drop), only the function's own processes.
 */
const LOADER_VARIABLE = /^(LD_[A-Z0-9_]+|GCONV_PATH|GETCONF_DIR|GLIBC_TUNABLES|HOSTALIASES|LOCALDOMAIN|LOCPATH|MALLOC_[A-Z0-9_]+|NIS_PATH|NLSPATH|RESOLV_HOST_CONF|RES_OPTIONS|TMPDIR|TZDIR)$/;
/** The renamed form of a loader variable while privileged processes run (see `sandboxEnv`). */
const PARKED = "FGS_PARKED_";

/**
 * The function's environment as bwrap arguments (`--clearenv`, then `--setenv` each: passed through `--args`, so
 * no value shows on the host's command lines) and the stage that runs before the command. bwrap itself is
 * started with an empty environment. With setpriv (the emulator as root) the loader variables are parked under
 * another name until setpriv has dropped to the function's user, then restored by `/bin/sh` (a fixed script that
 * names them, never their values) right before the command.
 */
export function sandboxEnv(env: Record<string, string | undefined>, setpriv: boolean): { envArgs: string[]; stage: string[] } {
  const envArgs = ["--clearenv"];
  const parked: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (setpriv && LOADER_VARIABLE.test(name)) {
      envArgs.push("--setenv", PARKED + name, value);
      parked.push(name);
    } else envArgs.push("--setenv", name, value);
  }
  if (parked.length === 0) return { envArgs, stage: [] };
  const script = parked.map((n) => `export ${n}="$${PARKED}${n}"; unset ${PARKED}${n};`).join(" ") + ' exec "$@"';
  return { envArgs, stage: ["/bin/sh", "-c", script, "sh"] };
}

/**
 * The bwrap command that runs `spec.command` in the sandbox; `firstFd` is the first descriptor of the child
 * after its stdio, where the `/etc` files it copies are passed.
 */
export function bwrapArgs(spec: SandboxSpec, firstFd: number): BwrapCommand {
  const inputFiles: string[] = [];
  const args = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session"];
  if (spec.network === "none") args.push("--unshare-net");
  // With setpriv, what it holds until it drops is only what dropping takes (bwrap as root would otherwise leave
  // it nearly every capability).
  if (spec.setpriv) args.push("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP");
  else {
    args.push("--unshare-user", "--uid", String(spec.user.uid), "--gid", String(spec.user.gid), "--disable-userns");
  }
  const shown: string[] = []; // read-only system trees already in place: a mount inside one needs no parents
  for (const dir of SYSTEM_DIRS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(dir), dir);
    else if (st.isDirectory()) {
      args.push("--ro-bind", dir, dir);
      shown.push(dir);
    }
  }
  args.push("--dir", "/etc"); // made 0755 first: bwrap would make a mount's missing parents 0700
  for (const name of ETC_ENTRIES) {
    const source = spec.etcSources?.[name] ?? path.join("/etc", name);
    let st: fs.Stats;
    try {
      st = fs.statSync(source); // through a symbolic link, as a bind would show it
    } catch {
      continue; // absent (or a dangling link): absent inside too
    }
    if (st.isDirectory()) args.push("--ro-bind", source, path.join("/etc", name));
    else if (st.isFile()) {
      // The host's read and execute bits, never a write bit: only root could write, and nothing inside is root.
      args.push("--perms", (st.mode & 0o555).toString(8).padStart(4, "0"), "--file", String(firstFd + inputFiles.length), path.join("/etc", name));
      inputFiles.push(source);
    }
  }
  if (spec.seccomp) {
    // Passed like the `/etc` files; bwrap installs it last, right before the command (setpriv included) runs.
    args.push("--seccomp", String(firstFd + inputFiles.length));
    inputFiles.push(spec.seccomp);
  }
  args.push("--proc", "/proc", "--dev", "/dev");
  if (spec.shmBytes !== undefined) args.push("--perms", "1777", "--size", String(spec.shmBytes), "--tmpfs", "/dev/shm");
  // Parents of every mount point are made 0755 first (bwrap would make them 0700, unreachable for the user).
  const made = new Set<string>(["/", "/etc", "/proc", "/dev"]);
  for (const m of spec.mounts) {
    if (shown.some((d) => within(m.dest, d))) continue; // already visible through a system tree
    const parents: string[] = [];
    for (let d = path.dirname(m.dest); !made.has(d); d = path.dirname(d)) parents.unshift(d);
    for (const d of parents) {
      args.push("--dir", d);
      made.add(d);
    }
    args.push(m.writable ? "--bind" : "--ro-bind", m.source, m.dest);
    made.add(m.dest);
  }
  // Last, the sandbox's own root (its `/etc` copies, the directories made above) read-only: writable mounts below
  // it (`/tmp`) stay writable, and nothing inside can change what it was given, whoever owns it.
  args.push("--remount-ro", "/");
  args.push("--chdir", spec.cwd);
  const optionsEnd = args.length;
  args.push("--");
  if (spec.setpriv) {
    // Root outside: become the instance's user for real, with no capabilities left and none to gain.
    args.push(spec.setpriv, `--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`, "--clear-groups", "--no-new-privs",
      "--inh-caps=-all", "--bounding-set=-all", "--");
  }
  const commandAt = args.length;
  args.push(...spec.command);
  return { args, inputFiles, optionsEnd, commandAt };
}
