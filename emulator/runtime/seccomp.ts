/**
 * The seccomp filter every sandboxed instance runs under (bwrap `--seccomp FD`: a compiled classic-BPF program,
 * an array of `struct sock_filter`). It refuses what a function never needs and what widens the kernel's attack
 * surface: new namespaces (a user namespace would give the code every capability inside it — as root the
 * emulator's bwrap makes none of its own, so `--disable-userns` cannot be used), mounts, keyrings, eBPF, perf
 * events, kernel modules, kexec, userfaultfd and io_uring (a large, often-exploited kernel surface; libuv and the
 * C library fall back to ordinary system calls when io_uring_setup is refused).
 *
 * Built by hand here because no npm library compiles seccomp filters without a native addon (libseccomp
 * bindings need a compiler at install): the program is small, fixed, and its layout is the kernel's ABI.
 *
 * Only x86_64 has a table: elsewhere `seccompFilter` returns undefined and instances run without a filter (the
 * emulator says so at start). A system call made through another ABI (i386's `int 0x80`, x32's numbers) kills
 * the process, so nothing slips past the table by switching ABI.
 */

/** `AUDIT_ARCH_X86_64` (EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE). */
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** The bit x32 system call numbers carry. */
const X32_SYSCALL_BIT = 0x40000000;

/** x86_64 system calls answered EPERM whatever their arguments. */
const REFUSED_X86_64: Record<string, number> = {
  setns: 308, mount: 165, umount2: 166, pivot_root: 155, chroot: 161,
  open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, fspick: 433, mount_setattr: 442,
  keyctl: 250, add_key: 248, request_key: 249,
  bpf: 321, perf_event_open: 298, userfaultfd: 323,
  io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427,
  kexec_load: 246, kexec_file_load: 320, init_module: 175, finit_module: 313, delete_module: 176,
};
/** x86_64 calls answered EPERM when their first argument (the flags) asks for a new namespace. */
const NAMESPACE_FLAGGED_X86_64 = { clone: 56, unshare: 272 };
/** `clone3`: its flags are in memory the filter cannot read, so ENOSYS — the C library then falls back to `clone`. */
const CLONE3_X86_64 = 435;
/** Every `CLONE_NEW*` flag (NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET): all in the low word. */
const CLONE_NEW_FLAGS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

const EPERM = 1;
const ENOSYS = 38;

// Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
const OP = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGE_K: 0x35, // BPF_JMP | BPF_JGE | BPF_K
  JSET_K: 0x45, // BPF_JMP | BPF_JSET | BPF_K
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;
const RET = { KILL_PROCESS: 0x80000000, ERRNO: 0x00050000, ALLOW: 0x7fff0000 } as const;
/** Offsets in `struct seccomp_data`: nr, arch, instruction_pointer, args[6] (args[0]'s low word: little-endian). */
const OFFSET = { NR: 0, ARCH: 4, ARG0_LOW: 16 } as const;

type Label = "allow" | "eperm" | "enosys" | "kill" | "flags";
interface Insn {
  code: number;
  k: number;
  jt?: Label;
  jf?: Label;
  label?: Label;
}

/** Resolves jump labels (forward only, as classic BPF requires) into `struct sock_filter` bytes. */
function assemble(program: Insn[]): Buffer {
  const at = new Map<Label, number>();
  program.forEach((insn, i) => insn.label && at.set(insn.label, i));
  const out = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    const offset = (l: Label | undefined): number => {
      if (l === undefined) return 0; // the next instruction
      const d = at.get(l)! - i - 1;
      if (!(d >= 0 && d < 256)) throw new Error(`seccomp: jump to '${l}' out of range`);
      return d;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(offset(insn.jt), i * 8 + 2);
    out.writeUInt8(offset(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}

/**
 * The compiled filter for the machine's architecture (`process.arch`), or undefined where the emulator has no
 * system call table (then instances run unfiltered).
 */
export function seccompFilter(arch: string = process.arch): Buffer | undefined {
  if (arch !== "x64") return undefined;
  const program: Insn[] = [
    { code: OP.LD_W_ABS, k: OFFSET.ARCH },
    { code: OP.JEQ_K, k: AUDIT_ARCH_X86_64, jf: "kill" },
    { code: OP.LD_W_ABS, k: OFFSET.NR },
    { code: OP.JGE_K, k: X32_SYSCALL_BIT, jt: "kill" },
    ...Object.values(REFUSED_X86_64).map((nr): Insn => ({ code: OP.JEQ_K, k: nr, jt: "eperm" })),
    ...Object.values(NAMESPACE_FLAGGED_X86_64).map((nr): Insn => ({ code: OP.JEQ_K, k: nr, jt: "flags" })),
    { code: OP.JEQ_K, k: CLONE3_X86_64, jt: "enosys" },
    { code: OP.RET_K, k: RET.ALLOW },
    { code: OP.LD_W_ABS, k: OFFSET.ARG0_LOW, label: "flags" },
    { code: OP.JSET_K, k: CLONE_NEW_FLAGS, jt: "eperm" },
    { code: OP.RET_K, k: RET.ALLOW, label: "allow" },
    { code: OP.RET_K, k: RET.ERRNO | EPERM, label: "eperm" },
    { code: OP.RET_K, k: RET.ERRNO | ENOSYS, label: "enosys" },
    { code: OP.RET_K, k: RET.KILL_PROCESS, label: "kill" },
  ];
  return assemble(program);
}
