"""A recording's length, read from the head of its file (a WAV's RIFF header).

The sandbox's recordings, and telephony recordings generally, are WAV (PCM or G.711): the
``fmt `` chunk gives the bytes per second, the ``data`` chunk the bytes of sound, so the length
is known from the first few hundred bytes and the file's size, without downloading the rest.
Another format gives None (the player still shows its own length once it has loaded it).
"""

from __future__ import annotations

import struct

HEAD_BYTES = 4096  # enough for the RIFF header and the usual LIST/fact chunks before the sound
_MAX_CHUNK = 0xFFFFFFFF


def wav_seconds(head: bytes, total_size: int | None = None) -> float | None:
    """Seconds of sound in a WAV file whose first bytes are ``head`` and whose whole size is
    ``total_size`` (if known: a ``data`` chunk whose size was never filled in, as a recorder
    that was streaming leaves it, is taken to run to the end of the file)."""
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        (size,) = struct.unpack_from("<I", head, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            if body + 16 > len(head):
                return None
            byte_rate = struct.unpack_from("<HHII", head, body)[3]
        elif chunk_id == b"data":
            if not byte_rate:
                return None
            data_bytes = size
            unfilled = size in (0, _MAX_CHUNK)
            if (
                total_size is not None
                and total_size > body
                and (unfilled or size > total_size - body)
            ):
                data_bytes = total_size - body
            return data_bytes / byte_rate
        pos = body + size + (size & 1)
    return None
