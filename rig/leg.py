#!/usr/bin/env python3
"""Boot one leg under QEMU and record its console, time-stamped.

Each console line is written to the log prefixed with the host's elapsed
seconds ("[   12.345] ...") so the report can time every test in host
seconds.  The leg always ends: QEMU is killed at the leg's wall-clock
limit, and a kernel panic ends it at once.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import List, Optional, Tuple

from plan import LEGS, Leg, PlanError, fail, read_legs

ICOUNT = 'shift=3,sleep=off'


def stage(qemu_root: str, leg: str,
          files: List[str]) -> Tuple[Optional[str], List[str]]:
    """Make files (kernel, initrd, plugin) visible inside QEMU's root, in a
    folder of this run's own (runs of the same leg may overlap: bench boots
    two kernels at once); return that folder and the paths as QEMU sees
    them."""
    if qemu_root == '/':
        return None, files
    top = os.path.join(qemu_root, 'rig')
    os.makedirs(top, exist_ok=True)
    dest = tempfile.mkdtemp(prefix=leg + '.', dir=top)
    inner = os.path.relpath(dest, qemu_root)
    paths = []
    for src in files:
        dst = os.path.join(dest, os.path.basename(src))
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy(src, dst)
        paths.append('/' + os.path.join(inner, os.path.basename(src)))
    return dest, paths


def share_path(qemu_root: str, share: str) -> str:
    """The folder share as QEMU, chrooted into qemu_root, sees it."""
    share = os.path.abspath(share)
    if qemu_root == '/':
        return share
    inner = os.path.relpath(share, os.path.abspath(qemu_root))
    if os.path.commonpath([share, os.path.abspath(qemu_root)]) != \
            os.path.abspath(qemu_root):
        sys.exit('rig: error: --share %s is not inside QEMU\'s root %s' %
                 (share, qemu_root))
    return '/' + inner


def qemu_argv(args: argparse.Namespace, leg: Leg, kernel: str, initrd: str,
              monitor: str, plugin: Optional[str] = None) -> List[str]:
    argv = [] if args.qemu_root == '/' else ['chroot', args.qemu_root]
    # A CPU stuck in the kernel (interrupts off or not) stalls RCU: the
    # other CPU reports it and the panic ends the leg at once, instead of
    # at its wall-clock limit.  (arm64 6.1 has no hard lockup detector.)
    cmdline = ('console=ttyAMA0 panic=-1 sysctl.kernel.panic_on_rcu_stall=1 '
               'rig.leg=%s %s %s') % (leg.name, leg.append, args.append)
    if args.share:
        # The guest's hostfile (tests/vmm/hostfile.c) reads and writes
        # the folder through semihosting, by its path as QEMU sees it.
        cmdline += ' rig.share=' + share_path(args.qemu_root, args.share)
    argv += ['qemu-system-aarch64',
             '-M', 'virt,virtualization=on,gic-version=3',
             '-cpu', leg.cpu, '-smp', str(args.smp), '-m', args.mem,
             '-display', 'none', '-serial', 'stdio',
             # Only for a hung leg's CPU dump (dump_cpus).
             '-monitor', 'unix:%s,server=on,wait=off' % monitor,
             '-no-reboot', '-nic', 'none']
    if args.icount != 'off':
        argv += ['-icount', args.icount]
    if args.share:
        argv += ['-semihosting-config', 'enable=on,target=native,userspace=on']
    argv += ['-kernel', kernel, '-initrd', initrd,
             '-append', ' '.join(cmdline.split())]
    if plugin:
        # The plugin's output goes to QEMU's log, stderr, into the leg's log.
        argv += ['-plugin', ','.join([plugin] + args.plugin_arg), '-d', 'plugin']
    return argv


def dump_cpus(monitor: str, out_path: str) -> None:
    """Write where every CPU of the guest is (QEMU's "info registers -a"
    through its monitor socket) to out_path: what a leg that hangs
    without a word from its kernel leaves for a human."""
    data = b''
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            # Through the folder's descriptor: a deep clone's path may be
            # longer than a socket address takes (108 bytes).
            folder = os.open(os.path.dirname(monitor), os.O_PATH)
            try:
                s.connect('/proc/self/fd/%d/%s' % (folder,
                                                   os.path.basename(monitor)))
            finally:
                os.close(folder)
            s.sendall(b'info registers -a\n')
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except socket.timeout:
        pass    # the monitor waits for the next command: the dump is done
    except OSError as e:
        data += ('\nrig: QEMU monitor: %s\n' % e).encode()
    # The monitor's readline echoes the command with terminal escapes.
    text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', data.decode(errors='replace'))
    with open(out_path, 'w') as f:
        f.write(text[text.find('CPU#'):] if 'CPU#' in text else text)


def run(argv: List[str], log_path: str, wall: int, monitor: str) -> str:
    """Run QEMU, copy its output to log_path with time stamps.
    Returns 'ok', 'timeout' or 'qemu-error: ...'."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    killed = threading.Event()

    def timeout() -> None:
        killed.set()
        try:
            dump_cpus(monitor, log_path + '.cpus')
        finally:
            proc.kill()
    timer = threading.Timer(wall, timeout)
    timer.start()
    last_report = t0
    assert proc.stdout is not None
    with open(log_path, 'w', errors='replace') as log:
        for raw in proc.stdout:
            now = time.monotonic() - t0
            line = raw.decode('utf-8', 'replace').rstrip('\r\n')
            log.write('[%9.3f] %s\n' % (now, line))
            log.flush()
            if line.startswith('rig: begin ') and now - last_report > 30:
                print('  %s: %4.0fs, running %s' % (os.path.basename(log_path),
                      now, line[len('rig: begin '):]), flush=True)
                last_report = now
    timer.cancel()
    timer.join()
    timed_out = killed.is_set()
    rc = proc.wait()
    if timed_out:
        with open(log_path, 'a') as log:
            log.write('rig: leg killed after %d s (wall-clock limit); '
                      'its CPUs then: %s.cpus\n' % (wall, log_path))
        return 'timeout'
    if rc != 0:
        return 'qemu-error: exit %d' % rc
    return 'ok'


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--leg', required=True)
    p.add_argument('--kernel', required=True)
    p.add_argument('--initrd', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--qemu-root', default='/')
    p.add_argument('--legs-file', default=LEGS)
    # A fixed shift ties guest time to executed instructions (8 ns each):
    # timings repeat whatever the host's load, and idle time is skipped.
    # shift=auto adapts to host speed and let a timer test fail 1 run in 26.
    p.add_argument('--icount', default=ICOUNT, help="'off': no -icount")
    p.add_argument('--smp', type=int, default=2)
    p.add_argument('--mem', default='2G')
    p.add_argument('--append', default='', help='more kernel command line')
    p.add_argument('--wall', type=int, help='override the wall-clock limit')
    p.add_argument('--share', help='a folder the guest reads and writes '
                   'through semihosting (the upgrade legs; inside '
                   '--qemu-root)')
    p.add_argument('--plugin', help='a TCG plugin to load (make bench: rig-count)')
    p.add_argument('--plugin-arg', action='append', default=[],
                   help='an argument for the plugin, e.g. trace=7 (rig-count)')
    args = p.parse_args()

    try:
        legs = read_legs(args.legs_file)
    except (PlanError, OSError) as e:
        fail(str(e))
    if args.leg not in legs:
        sys.exit('rig: error: unknown leg %s (tests/legs has: %s)' %
                 (args.leg, ' '.join(legs)))
    leg = legs[args.leg]
    files = [args.kernel, args.initrd] + ([args.plugin] if args.plugin else [])
    staged, paths = stage(args.qemu_root, leg.name, files)
    # The monitor's socket: beside the staged files, where a chrooted
    # QEMU sees it too.
    sockdir = staged or tempfile.mkdtemp(prefix=leg.name + '.', dir='/tmp')
    monitor = os.path.join(sockdir, 'monitor.sock')
    inner = monitor if not staged else \
        '/' + os.path.relpath(monitor, os.path.abspath(args.qemu_root))
    argv = qemu_argv(args, leg, paths[0], paths[1], inner, *paths[2:])
    with open(args.log + '.cmd', 'w') as f:
        f.write(' '.join(argv) + '\n')
    try:
        status = run(argv, args.log, args.wall or leg.wall, monitor)
    finally:
        shutil.rmtree(sockdir, ignore_errors=True)
    print('  %s: %s' % (leg.name, status), flush=True)
    return 0 if status == 'ok' else 1


if __name__ == '__main__':
    sys.exit(main())
