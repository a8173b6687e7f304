#!/usr/bin/env python3
"""Extracts fuzz seeds from the recorded sessions in shared/vectors.

usage: make-fuzz-seeds.py SHARED_DIR OUT_DIR

Writes one file per distinct input into OUT_DIR/<target>/, for the targets named in
TARGET_INPUTS: whole control datagrams, whole data datagrams, decrypted SNP payloads,
and the protobufs and texts inside them (certificates, crypt infos, identity strings,
inline stats blobs). Targets whose input is a fuzzer-driven op list (reliable_stream,
unreliable_reassembly, config) and text targets get small hand-written seeds from
HAND_SEEDS. Without SHARED_DIR only the hand-written seeds are written.
"""
import base64
import hashlib
import json
import pathlib
import sys

# Which kind of recorded bytes seeds which fuzz target.
TARGET_INPUTS = {
    "control_packet": "control",
    "data_header": "data",
    "snp_frames": "plaintext",
    "snp_receiver": "sequence",
    "certificate": "cert",
    "crypt_info": "crypt",
    "identity": "identity",
    "inline_stats": "stats",
    "trusted_ca": "trust",
}
LEAD_CONNECT_REQUEST = 0x22
LEAD_CONNECT_OK = 0x23
# Field numbers of the cert wrapper, crypt info and identity string in ConnectRequest /
# ConnectOK (udp.md §2.4, §2.5) and of the identity string in a cert body (crypto.md §2.1).
HELLO_FIELDS = {LEAD_CONNECT_REQUEST: (4, 7, 10), LEAD_CONNECT_OK: (8, 7, 11)}
CERT_BODY_IDENTITY = 12
CERT_WRAPPER_BODY = 4
CRYPT_INFO = 1
DATA_FLAG_STATS = 0x01
DATA_HEADER_BYTES = 7

# Inputs that no recording holds: identity and address texts of every form (crypto.md
# §1.2), trust lists, and op lists for the structure-driven targets (their first bytes
# choose a mode and limits; see each fuzzer's header comment).
HAND_SEEDS = {
    "identity": [b"steamid:76561197960287930", b"ip:1.2.3.4:27015", b"ip:::1", b"ip:[::1]:80",
                 b"ip:::ffff:10.0.0.1", b"gen:0102ab", b"str:player one", b"xboxpwid:abc",
                 b"psn:12345", b"mygame_id:xyz", b"invalid", b"[2001:db8::1]:65535",
                 b"2001:db8:0:0:1:0:0:1", b"255.255.255.255:0", b"\x12\x12\x00" * 6],
    "trusted_ca": [b"\0ID1234:" + base64.b64encode(bytes(range(32))),
                   b"\0 ID0:AAAA , ID18446744073709551615:" + base64.b64encode(bytes(32)),
                   b"\0,,", bytes([1, 3, 1]) + bytes(range(1, 40)), bytes([1, 0, 0, 1, 1, 1, 1])],
    "reliable_stream": [bytes([0, 0]) + bytes([5, 1, 0x40, 2, 3, 4, 5]) * 4,
                        bytes([1, 1]) + bytes(range(64)),
                        bytes([1, 0]) + bytes(range(255, 0, -3))],
    "unreliable_reassembly": [bytes([0, 1, 0, 0, 0]) + bytes(range(80)),
                              bytes([3, 9, 9, 9, 9]) + bytes(range(200, 0, -1))],
    "config": [bytes([0, 9, 1, 0, 0, 0, 4, 0x40]), bytes([1, 0xff, 2, 0, 0, 1, 8, 1, 2, 3]),
               bytes([2, 4, 3, 1, 4, 0x41, 0x42, 0x43, 0x44, 2, 9])],
}
PACKETS_PER_SEQUENCE = 24
MAX_SEEDS_PER_KIND = 400


def plaintext(packet):
    if packet.get("plaintext_hex"):
        return bytes.fromhex(packet["plaintext_hex"])
    if packet.get("udp_payload_hex") and packet.get("chunk_offset") is not None:
        return bytes.fromhex(packet["udp_payload_hex"])[packet["chunk_offset"]:]
    return None


def proto_fields(data):
    """Top-level (field number, value) pairs of a protobuf message; None if malformed.
    Length-delimited values are bytes, the others ints."""
    fields, pos = [], 0

    def varint():
        nonlocal pos
        value, shift = 0, 0
        while True:
            if pos >= len(data) or shift > 63:
                raise ValueError
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    try:
        while pos < len(data):
            key = varint()
            number, wire_type = key >> 3, key & 7
            if wire_type == 0:
                value = varint()
            elif wire_type == 1:
                value, pos = int.from_bytes(data[pos:pos + 8], "little"), pos + 8
            elif wire_type == 5:
                value, pos = int.from_bytes(data[pos:pos + 4], "little"), pos + 4
            elif wire_type == 2:
                length = varint()
                value, pos = data[pos:pos + length], pos + length
            else:
                return None
            if pos > len(data):
                return None
            fields.append((number, value))
    except ValueError:
        return None
    return fields


def field(fields, number):
    return next((v for n, v in fields or [] if n == number), None)


def pem(wrapper):
    text = base64.b64encode(wrapper).decode()
    lines = [text[i:i + 72] for i in range(0, len(text), 72)]
    return ("-----BEGIN STEAMDATAGRAM CERT-----\n" + "\n".join(lines) +
            "\n-----END STEAMDATAGRAM CERT-----\n").encode()


def add_hello_seeds(raw, seeds):
    """Certs, crypt infos and identities of a ConnectRequest / ConnectOK datagram."""
    def add(kind, data):
        seeds[kind].setdefault(hashlib.sha1(data).hexdigest(), data)

    lead, body = raw[0], raw[1:]
    cert_no, crypt_no, identity_no = HELLO_FIELDS[lead]
    fields = proto_fields(body)
    if fields is None:
        return
    if lead == LEAD_CONNECT_REQUEST:  # crypt_info modes 2 and 3 take a ConnectRequest
        add("crypt", bytes([2, 0]) + body)
        add("crypt", bytes([3, 0x42]) + body)
    cert, crypt = field(fields, cert_no), field(fields, crypt_no)
    if isinstance(cert, bytes):
        add("cert", cert)
        add("cert", pem(cert))
        add("trust", b"\0" + base64.b64encode(cert))  # trusted_ca mode 0: list text
        cert_body = field(proto_fields(cert), CERT_WRAPPER_BODY)
        identity = field(proto_fields(cert_body or b""), CERT_BODY_IDENTITY)
        if isinstance(identity, bytes):
            add("identity", identity)
    if isinstance(crypt, bytes):
        add("crypt", bytes([0, 0]) + crypt)
        info = field(proto_fields(crypt), CRYPT_INFO)
        if isinstance(info, bytes):
            add("crypt", bytes([1, 0]) + info)
    identity = field(fields, identity_no)
    if isinstance(identity, bytes):
        add("identity", identity)


def stats_blob(raw):
    """The inline stats blob of a data datagram (udp.md §4.2), or None."""
    if not raw or not raw[0] & DATA_FLAG_STATS:
        return None
    pos, length, shift = DATA_HEADER_BYTES, 0, 0
    while pos < len(raw) and shift < 35:
        byte = raw[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return raw[pos:pos + length]
    return None


def main():
    shared, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    vectors = shared / "vectors"
    seeds = {kind: {} for kind in set(TARGET_INPUTS.values())}
    if vectors.is_dir():
        for path in sorted(vectors.glob("*.packets.json")):
            if path.name.startswith("p2p_"):
                continue
            runs = {}  # direction -> plaintexts in capture order
            for packet in json.loads(path.read_text())["packets"]:
                payload = packet.get("udp_payload_hex")
                if not payload:
                    continue
                kind = "control" if packet["kind"] == "control" else "data"
                raw = bytes.fromhex(payload)
                seeds[kind].setdefault(hashlib.sha1(raw).hexdigest(), raw)
                if kind == "control" and raw[0] in HELLO_FIELDS:
                    add_hello_seeds(raw, seeds)
                if kind == "data":
                    blob = stats_blob(raw)
                    if blob:
                        seeds["stats"].setdefault(hashlib.sha1(blob).hexdigest(), blob)
                if kind == "data":
                    text = plaintext(packet)
                    if text:
                        seeds["plaintext"].setdefault(hashlib.sha1(text).hexdigest(), text)
                        runs.setdefault(packet["direction"], []).append(text)
            # The receiver target takes consecutive plaintexts of one direction, each
            # behind a two-byte little-endian length.
            for texts in runs.values():
                for start in range(0, len(texts), PACKETS_PER_SEQUENCE):
                    chunk = texts[start:start + PACKETS_PER_SEQUENCE]
                    blob = b"".join(len(t).to_bytes(2, "little") + t for t in chunk)
                    seeds["sequence"].setdefault(hashlib.sha1(blob).hexdigest(), blob)
    for target, kind in TARGET_INPUTS.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in list(seeds[kind].items())[:MAX_SEEDS_PER_KIND]:
            (folder / name).write_bytes(data)
    for target, inputs in HAND_SEEDS.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            (folder / ("hand-" + hashlib.sha1(data).hexdigest())).write_bytes(data)
    print("fuzz seeds:", {k: min(len(v), MAX_SEEDS_PER_KIND) for k, v in seeds.items()})


if __name__ == "__main__":
    main()
