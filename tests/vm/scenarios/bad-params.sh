# Every bad parameter refused, each with its message.
if insmod /lib/modules/pmdcon.ko mem_address=0x40000000 2>/dev/null; then fail "loaded without mem_size"; fi
has_msg "mem_address= and mem_size= go together"
if insmod /lib/modules/pmdcon.ko mem_address=0x1000000 mem_size=0x100000 2>/dev/null; then fail "loaded over System RAM"; fi
has_msg "is System RAM in use"
if insmod /lib/modules/pmdcon.ko mem_address=0x40000001 mem_size=0x100000 2>/dev/null; then fail "loaded unaligned"; fi
has_msg "must be page aligned"
# The fallback's targets and timing (docs/crash-path.md).
if insmod /lib/modules/pmdcon.ko "fallback=@/eth0,@10.0.0/" 2>/dev/null; then fail "loaded a bad target"; fi
has_msg 'fallback target 1 "@/eth0,@10.0.0/": bad or missing target IP address'
if insmod /lib/modules/pmdcon.ko "fallback=+@/eth0,@10.0.2.2/;r@/eth0,@10.0.2.2/" 2>/dev/null; then
  fail "loaded a bad second target"
fi
has_msg "fallback target 2 .*needs the extended format"
if insmod /lib/modules/pmdcon.ko "fallback=@10.0.2.15/eth0,@fec0::2/" 2>/dev/null; then fail "loaded mixed families"; fi
has_msg "fallback target 1 .*: the source and target addresses are of different families"
if insmod /lib/modules/pmdcon.ko "fallback=@/nosuch0,@10.0.2.2/" 2>/dev/null; then fail "loaded without the device"; fi
has_msg 'fallback target 1 "@/nosuch0,@10.0.2.2/": netpoll on nosuch0 failed'
if insmod /lib/modules/pmdcon.ko "fallback=@/eth0,@10.0.2.2/" takeover_ms=5 2>/dev/null; then fail "loaded takeover_ms=5"; fi
has_msg "takeover_ms=5: must be 10 to 60000"
