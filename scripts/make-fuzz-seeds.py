#!/usr/bin/env python3
"""Extracts fuzz seeds from the recorded sessions in shared/vectors.

usage: make-fuzz-seeds.py SHARED_DIR OUT_DIR

Writes one file per distinct input into OUT_DIR/<target>/, for the targets named in
TARGET_INPUTS: whole control datagrams, whole data datagrams, and decrypted SNP
payloads. Without SHARED_DIR it writes nothing (the fuzzers then start from their
kept corpus only).
"""
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
}
PACKETS_PER_SEQUENCE = 24
MAX_SEEDS_PER_KIND = 400


def plaintext(packet):
    if packet.get("plaintext_hex"):
        return bytes.fromhex(packet["plaintext_hex"])
    if packet.get("udp_payload_hex") and packet.get("chunk_offset") is not None:
        return bytes.fromhex(packet["udp_payload_hex"])[packet["chunk_offset"]:]
    return None


def main():
    shared, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    vectors = shared / "vectors"
    seeds = {"control": {}, "data": {}, "plaintext": {}, "sequence": {}}
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
    print("fuzz seeds:", {k: min(len(v), MAX_SEEDS_PER_KIND) for k, v in seeds.items()})


if __name__ == "__main__":
    main()
