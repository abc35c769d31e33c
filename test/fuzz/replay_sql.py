#!/usr/bin/python3
"""Replay fuzz inputs through SQL against a live server (PG* environment).

    /usr/bin/python3 test/fuzz/replay_sql.py DIR...   # corpus or regression dirs

A directory's name says what its files are (fuzz_model, fuzz_agg or
fuzz_params, as in test/fuzz/corpus/<target>):
  fuzz_model   maas_info(bytes), maas_predict/_proba/_class(bytes, zeros),
               maas_explain(bytes, zeros)
  fuzz_agg     maas_fit_merge over the chunks (flags byte, u32 length + bytes),
               maas_fit_partial_final(chunk)
  fuzz_params  maas_fit with the params, for every algorithm
  fuzz_hftok   maas_tokenize and maas_tokenize_tokens (u16 length, tokenizer.json, text)
Each statement may fail with an ERROR; what must not happen is a lost
connection (a backend that crashed).  test/suite/asan.sh runs this against
the ASan build; prints one summary line per directory and exits 1 if the
server went away.
"""
import os
import struct
import sys

import psycopg2

ALGORITHMS = None
CRC32C_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC32C_TABLE.append(c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def fix_checksum(data):
    """fuzz_model recomputes the payload's CRC-32C unless size % 13 == 0"""
    if len(data) >= 32 and len(data) % 13 != 0:
        data = data[:24] + struct.pack("<I", crc32c(data[32:])) + data[28:]
    return data


def connect():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET statement_timeout = '5s'")
    cur.execute("SET maas.progress_interval = 0")
    cur.execute("SET client_min_messages = error")
    return conn


def algorithms(cur):
    global ALGORITHMS
    if ALGORITHMS is None:
        try:
            cur.execute("SELECT maas_train('fuzz_probe', 'no such algorithm', "
                        "'SELECT 1 AS y', 'y', '{}')")
        except psycopg2.Error as e:
            hint = e.diag.message_hint or ""
        ALGORITHMS = [a.strip() for a in hint.replace("Valid algorithms are:", "")
                      .rstrip(".").split(",") if a.strip()]
    return ALGORITHMS


def statements(kind, data, cur):
    if kind == "fuzz_model":
        data = fix_checksum(data)
        n = struct.unpack("<I", data[12:16])[0] if len(data) >= 16 else 1
        n = n if 1 <= n <= 1000 else 1
        zeros = "ARRAY[%s]::float8[]" % ",".join(["0"] * n)
        b = psycopg2.Binary(data)
        yield "SELECT maas_info(%s)", (b,)
        yield "SELECT maas_predict(%s, " + zeros + ")", (b,)
        yield "SELECT maas_predict_proba(%s, " + zeros + ")", (b,)
        yield "SELECT maas_predict_class(%s, " + zeros + ")", (b,)
        yield "SELECT maas_explain(%s, " + zeros + ")", (b,)
    elif kind == "fuzz_agg":
        chunks, pos = [], 1
        while pos < len(data) and len(chunks) < 8:
            length = struct.unpack("<I", data[pos:pos + 4].ljust(4, b"\0"))[0]
            pos += 4
            chunks.append(data[pos:pos + length] if length else None)
            pos += length
        arr = [psycopg2.Binary(c) if c is not None else None for c in chunks]
        yield ("SELECT maas_info(maas_fit_merge(s ORDER BY i)) "
               "FROM unnest(%s::bytea[]) WITH ORDINALITY u(s, i)"), (arr,)
        for c in arr:
            if c is not None:
                yield "SELECT length(maas_fit_partial_final(%s))", (c,)  # callable directly
    elif kind == "fuzz_params":
        text = data.split(b"\0")[0].decode("utf-8", "replace")
        for a in algorithms(cur):
            yield ("SELECT length(maas_fit(%s, ARRAY[g::float8, g %% 3], (g %% 2)::float8, %s::jsonb)) "
                   "FROM generate_series(1, 20) g"), (a, text)
    elif kind == "fuzz_hftok":
        n = (data[0] | data[1] << 8) if len(data) >= 2 else 0
        text = lambda b: b.decode("utf-8", "replace").replace("\0", "")
        yield "SELECT maas_tokenize(%s::jsonb, %s)", (text(data[2:2 + n]), text(data[2 + n:]))
        yield "SELECT maas_tokenize_tokens(%s::jsonb, %s)", (text(data[2:2 + n]), text(data[2 + n:]))


def replay(directory):
    kind = os.path.basename(os.path.normpath(directory))
    conn = connect()
    ran = errors = 0
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        cur = conn.cursor()
        for sql, args in statements(kind, data, cur):
            ran += 1
            try:
                cur.execute(sql, args)
                cur.fetchall()
            except psycopg2.OperationalError as e:
                if conn.closed or "terminat" in str(e) or "closed" in str(e):
                    print("LOST CONNECTION on %s/%s: %s\n  %s" % (kind, name, sql, e))
                    return False
                errors += 1
            except psycopg2.Error as e:
                errors += 1
                if os.environ.get("REPLAY_VERBOSE"):
                    print("  %s: %s" % (name, str(e).splitlines()[0]))
    print("%s: %d statements from %s, %d raised an ERROR, server alive"
          % (kind, ran, directory, errors))
    return True


ok = all([replay(d) for d in sys.argv[1:] if os.path.isdir(d)])
sys.exit(0 if ok else 1)
