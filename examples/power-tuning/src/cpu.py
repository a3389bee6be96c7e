"""Bound by CPU: chains SHA-256 `rounds` times, so its duration is in proportion to the CPU share
its memory size gets (1,769 MB = one vCPU)."""
import hashlib


def handler(event, context):
    rounds = int(event.get("rounds", 200000))
    digest = b"lambda-emu"
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return {"rounds": rounds, "digest": digest.hex()}
