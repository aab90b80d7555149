#!/usr/bin/env python3
# Capture the 4096-byte PCI config space of one virtio device as QEMU
# presents it to a guest, after SeaBIOS has assigned its BARs.
#
#   capture.py OUT.bin -device virtio-blk-pci,drive=d0,addr=03.0,...
#
# The device must sit at 00:03.0 on q35's root bus; its config space is
# then read through the ECAM window (MMCONFIG at 0xb0000000, bus 0,
# device 3: 0xb0018000) with the monitor's xp command.  The monitor's
# "info pci" for the device (its BAR sizes, which config space alone
# does not show) goes to OUT with .bin replaced by .info.
import os
import re
import subprocess
import sys
import tempfile
import time

ECAM = 0xb0000000 + (3 << 15)


def main():
    out, devargs = sys.argv[1], sys.argv[2:]
    disk = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
    disk.truncate(1 << 20)
    disk.close()
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-m", "128", "-display", "none", "-nodefaults", "-S",
           "-monitor", "stdio",
           "-drive", "if=none,id=d0,format=raw,file=" + disk.name] + devargs
    q = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        # SeaBIOS enumerates the bus and assigns BARs within its first
        # second under TCG; two seconds leaves margin.
        q.stdin.write("cont\n")
        q.stdin.flush()
        time.sleep(2)
        q.stdin.write("stop\n")
        q.stdin.write("info pci\n")
        q.stdin.write("xp /1024wx 0x%x\n" % ECAM)
        q.stdin.write("quit\n")
        q.stdin.flush()
        text, _ = q.communicate(timeout=60)
    finally:
        if q.poll() is None:
            q.kill()
        os.unlink(disk.name)
    words = {}
    for line in text.splitlines():
        line = line.strip()
        if ":" not in line or not line[:1].isdigit():
            continue
        addr, _, rest = line.partition(":")
        try:
            a = int(addr, 16)
        except ValueError:
            continue
        for i, w in enumerate(rest.split()):
            words[a + 4 * i] = int(w, 16)
    data = bytearray()
    for i in range(1024):
        data += words[ECAM + 4 * i].to_bytes(4, "little")
    if data[0:2] != b"\xf4\x1a":
        sys.exit("%s: no virtio device at 00:03.0" % out)
    with open(out, "wb") as f:
        f.write(data)
    info = text.split("info pci", 1)[1].split("xp /", 1)[0]
    m = re.search(r"  Bus  0, device   3, function 0:.*?(?=\n  Bus|\Z)",
                  info, re.S)
    if m is None:
        sys.exit("%s: device 00:03.0 not in info pci" % out)
    with open(out[:-len(".bin")] + ".info", "w") as f:
        f.write(m.group(0).rstrip() + "\n")


main()
