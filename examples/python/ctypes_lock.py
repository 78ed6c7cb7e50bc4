"""Take a lock through libdeadbolt.so from Python, with ctypes alone.

    DEADBOLT_SOCKET=/path/to/socket python3 examples/python/ctypes_lock.py [NAME]
"""
import ctypes, ctypes.util, os, sys

lib = ctypes.CDLL(os.environ.get("DEADBOLT_LIBRARY") or ctypes.util.find_library("deadbolt") or "libdeadbolt.so.0")
lib.deadbolt_strerror.restype = ctypes.c_char_p

class LockOptions(ctypes.Structure):  # deadbolt_lock_options, field for field
    _fields_ = [("mode", ctypes.c_int), ("ttl_ms", ctypes.c_uint32), ("wait_ms", ctypes.c_int64),
                ("owner", ctypes.c_char_p), ("flags", ctypes.c_uint)]

def check(err, what):
    if err < 0:
        sys.exit(f"{what}: {lib.deadbolt_strerror(err).decode()}")

name = (sys.argv[1] if len(sys.argv) > 1 else "python-demo").encode()
db, token, options = ctypes.c_void_p(), ctypes.c_uint64(), LockOptions()
check(lib.deadbolt_connect(None, ctypes.byref(db)), "connect")
lib.deadbolt_lock_options_init(ctypes.byref(options))
options.ttl_ms = 30000
check(lib.deadbolt_lock(db, name, ctypes.byref(options), ctypes.byref(token)), "lock")
print(f"holding {name.decode()} with fencing token {token.value}")
check(lib.deadbolt_unlock(db, name, None), "unlock")
lib.deadbolt_close(db)
