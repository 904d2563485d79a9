# The ring in allocated memory, with its warning; the device, its mode, one
# consumer, stats, rmmod refused while open; alloc_size.
load
has_msg "no reserved memory given"
ring_is "allocated new"
check_device
unload
load alloc_size=65536
has_msg "ring at .*: 65536 bytes"
unload
