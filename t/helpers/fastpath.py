#!/usr/bin/env python3
"""Call functions through the fast-path function-call protocol (libpq PQfn).

The fast-path protocol runs a function without the executor or the utility
machinery, so readonly_guard can only see it through its object-access hook.
This helper calls, each in a transaction of its own (autocommit):

    nextval(regclass)   function OID 1574, returns int8
    lo_creat(integer)   function OID  957, returns oid (4 bytes)

and prints one line per call:

    nextval ok <value>      or   nextval <SQLSTATE>
    lo_creat ok <oid>       or   lo_creat <SQLSTATE>

For each failed call, stderr gets two lines: "<name> message: <primary
message>" and "<name> detail: <DETAIL, empty if none>".  Exit status: 0 if every call produced a
line, 2 on a usage or connection problem.

Usage: fastpath.py CONNINFO SEQUENCE_NAME

Only the Python standard library and libpq.so.5 are needed.
"""

import ctypes
import ctypes.util
import sys

F_NEXTVAL = 1574
F_LO_CREAT = 957

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
PG_DIAG_SQLSTATE = ord('C')
PG_DIAG_MESSAGE_PRIMARY = ord('M')
PG_DIAG_MESSAGE_DETAIL = ord('D')


class _ArgUnion(ctypes.Union):
    _fields_ = [("ptr", ctypes.POINTER(ctypes.c_int)),
                ("integer", ctypes.c_int)]


class PQArgBlock(ctypes.Structure):
    _fields_ = [("len", ctypes.c_int),
                ("isint", ctypes.c_int),
                ("u", _ArgUnion)]


def load_libpq():
    names = ["libpq.so.5"]
    found = ctypes.util.find_library("pq")
    if found:
        names.append(found)
    last = None
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as exc:
            last = exc
    else:
        raise SystemExit("fastpath.py: cannot load libpq: %s" % last)

    lib.PQconnectdb.argtypes = [ctypes.c_char_p]
    lib.PQconnectdb.restype = ctypes.c_void_p
    lib.PQstatus.argtypes = [ctypes.c_void_p]
    lib.PQstatus.restype = ctypes.c_int
    lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
    lib.PQerrorMessage.restype = ctypes.c_char_p
    lib.PQfinish.argtypes = [ctypes.c_void_p]
    lib.PQfinish.restype = None
    lib.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.PQexec.restype = ctypes.c_void_p
    lib.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                                 ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.PQexecParams.restype = ctypes.c_void_p
    lib.PQresultStatus.argtypes = [ctypes.c_void_p]
    lib.PQresultStatus.restype = ctypes.c_int
    lib.PQresultErrorField.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.PQresultErrorField.restype = ctypes.c_char_p
    lib.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
    lib.PQresultErrorMessage.restype = ctypes.c_char_p
    lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.PQgetvalue.restype = ctypes.c_char_p
    lib.PQntuples.argtypes = [ctypes.c_void_p]
    lib.PQntuples.restype = ctypes.c_int
    lib.PQclear.argtypes = [ctypes.c_void_p]
    lib.PQclear.restype = None
    lib.PQfn.argtypes = [ctypes.c_void_p, ctypes.c_int,
                         ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                         ctypes.c_int, ctypes.POINTER(PQArgBlock), ctypes.c_int]
    lib.PQfn.restype = ctypes.c_void_p
    return lib


def sequence_oid(lib, conn, name):
    """OID of the sequence called name (looked up with an ordinary query)."""
    param = (ctypes.c_char_p * 1)(name.encode())
    res = lib.PQexecParams(conn, b"SELECT $1::regclass::oid", 1, None,
                           param, None, None, 0)
    try:
        if lib.PQresultStatus(res) != PGRES_TUPLES_OK or lib.PQntuples(res) != 1:
            msg = lib.PQresultErrorMessage(res) or b""
            raise SystemExit("fastpath.py: cannot look up sequence %r: %s"
                             % (name, msg.decode(errors="replace").strip()))
        return int(lib.PQgetvalue(res, 0, 0))
    finally:
        lib.PQclear(res)


def report(lib, name, res, value):
    """Print the line for one call and free its result."""
    try:
        status = lib.PQresultStatus(res) if res else -1
        if status == PGRES_COMMAND_OK:
            print("%s ok %d" % (name, value()), flush=True)
        else:
            state = lib.PQresultErrorField(res, PG_DIAG_SQLSTATE) if res else None
            msg = lib.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) if res else b"no result"
            detail = lib.PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) if res else None
            print("%s %s" % (name, (state or b"XXXXX").decode()), flush=True)
            sys.stderr.write("%s message: %s\n" % (name, (msg or b"").decode(errors="replace")))
            sys.stderr.write("%s detail: %s\n" % (name, (detail or b"").decode(errors="replace")))
    finally:
        if res:
            lib.PQclear(res)


def call_nextval(lib, conn, seqoid):
    # nextval returns int8: ask for the raw 8 bytes (result_is_int = 0);
    # result_is_int = 1 only handles 1, 2 and 4 byte integers.
    buf = ctypes.create_string_buffer(8)
    result_len = ctypes.c_int(0)
    arg = PQArgBlock()
    arg.len = 4
    arg.isint = 1
    arg.u.integer = ctypes.c_int(seqoid & 0xFFFFFFFF).value
    res = lib.PQfn(conn, F_NEXTVAL, ctypes.cast(buf, ctypes.c_void_p),
                   ctypes.byref(result_len), 0, ctypes.byref(arg), 1)

    def value():
        if result_len.value != 8:
            raise SystemExit("fastpath.py: nextval returned %d bytes" % result_len.value)
        return int.from_bytes(buf.raw[:8], "big", signed=True)

    report(lib, "nextval", res, value)


def call_lo_creat(lib, conn):
    result = ctypes.c_int(0)
    result_len = ctypes.c_int(0)
    arg = PQArgBlock()
    arg.len = 4
    arg.isint = 1
    arg.u.integer = -1          # INV_READ | INV_WRITE, as libpq's lo_creat does
    res = lib.PQfn(conn, F_LO_CREAT, ctypes.cast(ctypes.byref(result), ctypes.c_void_p),
                   ctypes.byref(result_len), 1, ctypes.byref(arg), 1)
    report(lib, "lo_creat", res, lambda: result.value & 0xFFFFFFFF)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: fastpath.py CONNINFO SEQUENCE_NAME\n")
        return 2
    lib = load_libpq()
    conn = lib.PQconnectdb(argv[1].encode())
    if not conn or lib.PQstatus(conn) != CONNECTION_OK:
        msg = lib.PQerrorMessage(conn) if conn else b"out of memory"
        sys.stderr.write("fastpath.py: connection failed: %s\n"
                         % (msg or b"").decode(errors="replace").strip())
        if conn:
            lib.PQfinish(conn)
        return 2
    try:
        seqoid = sequence_oid(lib, conn, argv[2])
        call_nextval(lib, conn, seqoid)
        call_lo_creat(lib, conn)
    finally:
        lib.PQfinish(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
