"""Minecraft Java world files, one format kept whole (the writer and its guarded reader agree byte for
byte, so they stay side by side: ~500 lines): writing Anvil regions and level.dat (nbtlib + numpy), and reading
chunks back from untrusted region files with size and depth limits."""

from __future__ import annotations

import gzip
import io
import json
import math
import struct
import time
import zlib
from collections.abc import Callable, Iterable

import nbtlib
import numpy as np
from django.utils.translation import gettext as _
from nbtlib import Byte, Compound, Float, Int, List, Long, LongArray, String

from . import palette as P

SECTOR = 4096
MAX_CHUNK_COMPRESSED = 1024 * 1024  # the game itself never writes a bigger chunk into a region
MAX_CHUNK_NBT = 4 * 1024 * 1024
MAX_LEVEL_DAT = 1024 * 1024
MAX_NBT_DEPTH = 32
MAX_NBT_TAGS = 400_000


class WorldFileError(Exception):
    """A world file is damaged, too big, or not what Sangkat can read."""


class TooManyTags(WorldFileError):
    pass


class WorkBudgetExceeded(WorldFileError):
    """An upload asked for more work than it may have; `message` is for the person who sent it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# What reading one chunk of a team plot may cost on average. Measured on the sample site's world
# (4 teams, 320 chunks): 3.9 KB of NBT, 61 tags, 2 sections, 7 palette entries per chunk. A played
# vanilla 1.20 chunk has by its format 24 sections and some thousands of tags in 20-60 KB; the
# budget leaves room for that, for every chunk the team plots cover, up to a ceiling: parsing
# 16 million tags costs ~30 s here, the most one upload may take whatever the site's size.
PER_CHUNK = {"chunks": 1, "bytes": 128 * 1024, "tags": 4_000, "sections": 32, "palette": 2_048}
CEILING = {"bytes": 1024 * 1024 * 1024, "tags": 16_000_000, "sections": 1_000_000, "palette": 16_000_000}
MIN_CHUNKS = 64  # small sites get the budget of 64 chunks
MAX_REGION_READ = 512 * 1024 * 1024  # region bytes taken out of the zip, all teams together


class WorkBudget:
    """The total work one upload may cause, shared by all its team plots: region bytes read,
    chunks, NBT bytes decompressed, NBT tags parsed, sections and palette entries unpacked. Each
    is charged before the work is done; the first to run out refuses the world with a message."""

    def __init__(self, limits: dict[str, int]):
        self.limits = dict(limits)
        self.spent = dict.fromkeys(self.limits, 0)

    @classmethod
    def for_chunks(cls, chunks: int) -> WorkBudget:
        n = max(chunks, MIN_CHUNKS)
        limits = {k: min(v * n, CEILING.get(k, v * n)) for k, v in PER_CHUNK.items()}
        return cls({**limits, "region_bytes": MAX_REGION_READ})

    def left(self, what: str) -> int:
        return self.limits[what] - self.spent[what]

    def charge(self, what: str, amount: int) -> None:
        self.spent[what] += amount
        if self.spent[what] > self.limits[what]:
            raise self.exceeded()

    @staticmethod
    def exceeded() -> WorkBudgetExceeded:
        return WorkBudgetExceeded(_(
            "This world asks for too much work to read: it holds far more data than the team plots "
            "need. Upload the world Sangkat made for this session, after building in it."))


# --- NBT guard ------------------------------------------------------------------------------

_FIXED = {1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 8}
_ARRAYS = {7: 1, 11: 4, 12: 8}


def check_nbt(data: bytes, *, max_depth: int = MAX_NBT_DEPTH, max_tags: int = MAX_NBT_TAGS) -> int:
    """Walk an uncompressed NBT document without building it, iteratively: raise WorldFileError
    when it nests deeper than max_depth, holds more than max_tags tags or lies about lengths,
    so that the real parser (nbtlib, recursive) only ever sees small, well-formed input. Every
    element of a list counts (nbtlib builds an object for each); arrays count once. Returns the
    number of tags."""
    n = len(data)

    def take(fmt, at):
        size = struct.calcsize(fmt)
        if at + size > n:
            raise WorldFileError("NBT ends too early")
        return struct.unpack_from(fmt, data, at)[0]

    if n < 3 or data[0] != 10:
        raise WorldFileError("NBT root is not a compound")
    pos = 3 + take(">H", 1)
    stack: list[list] = [[10, 0, 0]]
    tags = 0
    while stack:
        if len(stack) > max_depth:
            raise WorldFileError("NBT nests too deep")
        frame = stack[-1]
        if frame[0] == 10:
            tag = take(">B", pos)
            pos += 1
            if tag == 0:
                stack.pop()
                continue
            pos += 2 + take(">H", pos)
        else:
            if frame[2] == 0:
                stack.pop()
                continue
            frame[2] -= 1
            tag = frame[1]
        tags += 1
        if tags > max_tags:
            raise TooManyTags("NBT has too many tags")
        if tag in _FIXED:
            pos += _FIXED[tag]
        elif tag in _ARRAYS:
            length = take(">i", pos)
            if length < 0:
                raise WorldFileError("negative NBT length")
            pos += 4 + length * _ARRAYS[tag]
        elif tag == 8:
            pos += 2 + take(">H", pos)
        elif tag == 9:
            element, length = take(">B", pos), take(">i", pos + 1)
            pos += 5
            if length < 0 or element > 12:
                raise WorldFileError("bad NBT list")
            if element in _FIXED:
                pos += length * _FIXED[element]
                tags += length
                if tags > max_tags:
                    raise TooManyTags("NBT has too many tags")
            elif length:
                if element == 0:
                    raise WorldFileError("bad NBT list")
                tags += length
                stack.append([9, element, length])
        elif tag == 10:
            stack.append([10, 0, 0])
        else:
            raise WorldFileError("unknown NBT tag")
        if pos > n:
            raise WorldFileError("NBT ends too early")
    return tags


def parse_nbt(data: bytes, *, budget: WorkBudget | None = None) -> Compound:
    if budget is None:
        check_nbt(data)
    else:
        budget.charge("bytes", len(data))
        allowed = min(MAX_NBT_TAGS, budget.left("tags"))
        try:
            budget.charge("tags", check_nbt(data, max_tags=allowed))
        except TooManyTags:
            if allowed < MAX_NBT_TAGS:
                raise budget.exceeded() from None
            raise
    try:
        return nbtlib.File.parse(io.BytesIO(data))
    except Exception as exc:  # nbtlib raises several types for damaged input
        raise WorldFileError("damaged NBT") from exc


def _bounded_decompress(raw: bytes, limit: int, *, wbits: int = zlib.MAX_WBITS) -> bytes:
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise WorldFileError("damaged compressed data") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise WorldFileError("compressed data expands too much")
    return out


def read_level_dat(raw: bytes) -> Compound:
    if len(raw) > MAX_LEVEL_DAT:
        raise WorldFileError("level.dat too big")
    data = _bounded_decompress(raw, MAX_LEVEL_DAT, wbits=16 + zlib.MAX_WBITS) if raw[:2] == b"\x1f\x8b" else raw
    return parse_nbt(data)


# --- section packing ------------------------------------------------------------------------

def _bits(palette_size: int) -> int:
    return max(4, math.ceil(math.log2(palette_size))) if palette_size > 1 else 0


def pack(indices: np.ndarray, palette_size: int) -> np.ndarray:
    """Pack 4096 palette indices into longs the 1.16+ way (entries never span two longs)."""
    bits = _bits(palette_size)
    per_long = 64 // bits
    count = math.ceil(indices.size / per_long)
    padded = np.zeros(count * per_long, dtype=np.uint64)
    padded[: indices.size] = indices
    shifts = (np.arange(per_long, dtype=np.uint64) * np.uint64(bits))
    longs = np.bitwise_or.reduce(padded.reshape(count, per_long) << shifts, axis=1)
    return longs.view(np.int64)


def unpack(longs: np.ndarray, palette_size: int, *, spanning: bool = False) -> np.ndarray:
    bits = _bits(palette_size)
    if bits == 0:
        return np.zeros(4096, dtype=np.int64)
    longs = np.asarray(longs, dtype=np.int64).view(np.uint64)
    if spanning:  # before 1.16 (data version 2529) entries could span two longs
        raw = np.unpackbits(longs.astype("<u8").view(np.uint8), bitorder="little")
        need = 4096 * bits
        if raw.size < need:
            raise WorldFileError("short block data")
        weights = (1 << np.arange(bits, dtype=np.int64))
        return raw[:need].reshape(4096, bits).astype(np.int64) @ weights
    per_long = 64 // bits
    if longs.size < math.ceil(4096 / per_long):
        raise WorldFileError("short block data")
    shifts = np.arange(per_long, dtype=np.uint64) * np.uint64(bits)
    mask = np.uint64((1 << bits) - 1)
    values = (longs[:, None] >> shifts[None, :]) & mask
    return values.reshape(-1)[:4096].astype(np.int64)


# --- writing --------------------------------------------------------------------------------

def _state(name: str) -> Compound:
    info = P.BLOCKS.get(name)
    state = Compound({"Name": String(name)})
    if info and info.properties:
        state["Properties"] = Compound({k: String(v) for k, v in info.properties})
    return state


def encode_sections(column: np.ndarray, base_y: int) -> list[Compound]:
    """The `sections` of one chunk column ([height, 16, 16] registry ids, lowest layer at base_y)."""
    sections = []
    for i in range(column.shape[0] // 16):
        block = column[i * 16:(i + 1) * 16].reshape(-1)
        if not block.any():
            continue
        ids, inverse = np.unique(block, return_inverse=True)
        states = Compound({"palette": List[Compound]([_state(P.block_name(int(b))) for b in ids])})
        if len(ids) > 1:
            states["data"] = LongArray(pack(inverse.astype(np.uint64), len(ids)))
        sections.append(Compound({
            "Y": Byte(base_y // 16 + i), "block_states": states,
            "biomes": Compound({"palette": List[String]([String("minecraft:plains")])}),
        }))
    return sections


def sign_entity(x: int, y: int, z: int, front: list[str], back: list[str]) -> Compound:
    def text(lines):
        lines = (list(lines) + ["", "", "", ""])[:4]
        return Compound({"messages": List[String]([String(json.dumps({"text": t})) for t in lines]),
                         "color": String("black"), "has_glowing_text": Byte(0)})

    return Compound({"id": String("minecraft:sign"), "x": Int(x), "y": Int(y), "z": Int(z),
                     "keepPacked": Byte(0), "is_waxed": Byte(0),
                     "front_text": text(front), "back_text": text(back or front)})


def chunk_nbt(cx: int, cz: int, sections: list[Compound], entities: list[Compound]) -> Compound:
    return Compound({
        "DataVersion": Int(P.DATA_VERSION), "xPos": Int(cx), "zPos": Int(cz), "yPos": Int(-4),
        "Status": String("minecraft:full"), "LastUpdate": Long(0), "InhabitedTime": Long(0),
        # Light is not stored: the game lights chunks whose isLightOn is false when it loads them.
        "isLightOn": Byte(0), "sections": List[Compound](sections),
        "block_entities": List[Compound](entities), "Heightmaps": Compound(),
        "fluid_ticks": List[Compound](), "block_ticks": List[Compound](), "PostProcessing": List[List[Compound]](),
        "structures": Compound({"References": Compound(), "starts": Compound()}),
    })


def nbt_bytes(tag: Compound) -> bytes:
    buffer = io.BytesIO()
    nbtlib.File(tag, root_name="").write(buffer)
    return buffer.getvalue()


def region_bytes(chunks: dict[tuple[int, int], bytes]) -> bytes:
    """One r.X.Z.mca file from compressed chunks keyed by their (cx & 31, cz & 31)."""
    header = bytearray(2 * SECTOR)
    body = bytearray()
    now = int(time.time())
    for (lx, lz), compressed in sorted(chunks.items()):
        payload = struct.pack(">IB", len(compressed) + 1, 2) + compressed
        sectors = math.ceil(len(payload) / SECTOR)
        offset = 2 + len(body) // SECTOR
        index = lx + lz * 32
        struct.pack_into(">I", header, index * 4, (offset << 8) | sectors)
        struct.pack_into(">I", header, SECTOR + index * 4, now)
        body += payload + bytes(sectors * SECTOR - len(payload))
    return bytes(header + body)


def level_dat(*, name: str, spawn: tuple[int, int, int], seed: int = 0) -> bytes:
    """level.dat for a creative, peaceful world at noon that stays noon, on flat land that matches
    our ground (surface at y = 63) beyond the plots."""
    layers = [("minecraft:bedrock", 1), ("minecraft:stone", 123), ("minecraft:dirt", 3),
              ("minecraft:grass_block", 1)]
    flat = Compound({
        "type": String("minecraft:flat"),
        "settings": Compound({
            "biome": String("minecraft:plains"), "features": Byte(0), "lakes": Byte(0),
            "structure_overrides": List[String](),
            "layers": List[Compound]([Compound({"block": String(b), "height": Int(h)}) for b, h in layers]),
        }),
    })
    dimensions = Compound({
        "minecraft:overworld": Compound({"type": String("minecraft:overworld"), "generator": flat}),
        "minecraft:the_nether": Compound({"type": String("minecraft:the_nether"), "generator": Compound({
            "type": String("minecraft:noise"), "settings": String("minecraft:nether"),
            "biome_source": Compound({"type": String("minecraft:multi_noise"), "preset": String("minecraft:nether")}),
        })}),
        "minecraft:the_end": Compound({"type": String("minecraft:the_end"), "generator": Compound({
            "type": String("minecraft:noise"), "settings": String("minecraft:end"),
            "biome_source": Compound({"type": String("minecraft:the_end")}),
        })}),
    })
    rules = {"doDaylightCycle": "false", "doWeatherCycle": "false", "doMobSpawning": "false",
             "doFireTick": "false", "mobGriefing": "false", "keepInventory": "true",
             "doInsomnia": "false", "doPatrolSpawning": "false", "doTraderSpawning": "false",
             "announceAdvancements": "false", "spawnRadius": "0"}
    data = Compound({
        "DataVersion": Int(P.DATA_VERSION), "version": Int(19133), "initialized": Byte(1),
        "LevelName": String(name), "GameType": Int(1), "hardcore": Byte(0), "allowCommands": Byte(1),
        "Difficulty": Byte(0), "DifficultyLocked": Byte(1),
        "SpawnX": Int(spawn[0]), "SpawnY": Int(spawn[1]), "SpawnZ": Int(spawn[2]), "SpawnAngle": Float(0.0),
        "Time": Long(6000), "DayTime": Long(6000), "LastPlayed": Long(int(time.time() * 1000)),
        "raining": Byte(0), "thundering": Byte(0), "rainTime": Int(0), "thunderTime": Int(0),
        "clearWeatherTime": Int(1_000_000_000),
        "GameRules": Compound({k: String(v) for k, v in rules.items()}),
        "Version": Compound({"Id": Int(P.DATA_VERSION), "Name": String(P.MINECRAFT_VERSION),
                             "Series": String("main"), "Snapshot": Byte(0)}),
        "DataPacks": Compound({"Enabled": List[String]([String("vanilla")]), "Disabled": List[String]()}),
        "WorldGenSettings": Compound({"seed": Long(seed), "generate_features": Byte(0), "bonus_chest": Byte(0),
                                      "dimensions": dimensions}),
    })
    buffer = io.BytesIO()
    nbtlib.File({"Data": data}, root_name="").write(buffer)
    return gzip.compress(buffer.getvalue(), mtime=0)



# --- reading --------------------------------------------------------------------------------

def region_chunks(raw: bytes, wanted: Callable[[int, int], bool] | None = None
                  ) -> Iterable[tuple[int, int, bytes]]:
    """(local x, local z, uncompressed NBT) for every chunk in a region file (or those `wanted`,
    decided before anything is decompressed), bounds-checked. Two slots sharing sectors are
    refused: the game never writes that, and it would make one small chunk cost 1,024 times."""
    if len(raw) < 2 * SECTOR:
        if not raw:
            return
        raise WorldFileError("region header too short")
    slots = []
    for index in range(1024):
        location = struct.unpack_from(">I", raw, index * 4)[0]
        if location:
            slots.append((location >> 8, max(location & 0xFF, 1), index))
    end = 0
    for offset, sectors, _index in sorted(slots):
        if offset < end:
            raise WorldFileError("two chunks share sectors of the region file")
        end = offset + sectors
    for offset, sectors, index in sorted(slots, key=lambda slot: slot[2]):
        if wanted is not None and not wanted(index % 32, index // 32):
            continue
        start = offset * SECTOR
        if offset < 2 or start + 5 > len(raw):
            raise WorldFileError("chunk outside the region file")
        length, compression = struct.unpack_from(">IB", raw, start)
        if length < 1 or length - 1 > MAX_CHUNK_COMPRESSED or start + 4 + length > len(raw) \
                or length + 4 > sectors * SECTOR:
            raise WorldFileError("bad chunk length")
        body = raw[start + 5:start + 4 + length]
        if compression == 2:
            data = _bounded_decompress(body, MAX_CHUNK_NBT)
        elif compression == 1:
            data = _bounded_decompress(body, MAX_CHUNK_NBT, wbits=16 + zlib.MAX_WBITS)
        elif compression == 3:
            data = body
        else:  # LZ4 and external .mcc chunks are not accepted
            raise WorldFileError("unsupported chunk compression")
        yield index % 32, index // 32, data


def chunk_sections(chunk: Compound, *, y_range: tuple[int, int] | None = None,
                   budget: WorkBudget | None = None) -> tuple[int, list[tuple[int, list[str], np.ndarray]]]:
    """(data version, [(section y, block names of the palette, 4096 palette indices)]); only the
    sections whose y is in y_range (first, last) are unpacked."""
    try:
        return _chunk_sections(chunk, y_range, budget)
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as exc:
        raise WorldFileError("damaged chunk") from exc


def _chunk_sections(chunk, y_range, budget):
    version = int(chunk.get("DataVersion", 0))
    level = chunk.get("Level")
    sections = chunk.get("sections") if level is None else level.get("Sections") or level.get("sections")
    sections = list(sections or [])
    if budget is not None:
        budget.charge("sections", len(sections))
    out = []
    for section in sections:
        y = int(section["Y"])
        if y_range is not None and not y_range[0] <= y <= y_range[1]:
            continue
        if "block_states" in section:
            states = section["block_states"]
            palette, data = states.get("palette") or [], states.get("data")
        else:
            palette, data = section.get("Palette") or [], section.get("BlockStates")
        if not palette:
            continue
        if len(palette) > 4096:  # a section holds 4,096 blocks
            raise WorldFileError("palette bigger than its section")
        if budget is not None:
            budget.charge("palette", len(palette))
        names = [str(state.get("Name", P.AIR)) for state in palette]
        if any(len(name) > P.MAX_NAME_LENGTH for name in names):
            raise WorldFileError("block name too long")
        if len(names) == 1 or data is None:
            indices = np.zeros(4096, dtype=np.int64)
        else:
            indices = unpack(np.asarray(data), len(names), spanning=version < 2529)
            if indices.max() >= len(names):
                raise WorldFileError("block index outside the palette")
        out.append((y, names, indices))
    return version, out


def too_many_blocks(limit: int) -> WorkBudgetExceeded:
    return WorkBudgetExceeded(_(
        "This world uses too many different kinds of block (at most %(n)d). Upload the world "
        "Sangkat made for this session, after building in it.") % {"n": limit})


def read_area(region: Callable[[int, int], bytes | None], *, x0: int, z0: int, width: int, depth: int,
              base_y: int, height: int, progress: Callable[[float], None] | None = None,
              registry: P.Registry | None = None, budget: WorkBudget | None = None) -> np.ndarray:
    """Blocks of a box of the world as ids of `registry` [height, depth, width]; missing chunks
    are air. `region(rx, rz)` returns a region file's bytes (or None). One registry and one budget
    serve every read of an upload (a fresh registry and a budget for this box by default); chunks
    outside the box are never decompressed, sections outside it never unpacked."""
    registry = registry if registry is not None else P.Registry()
    out = np.zeros((height, depth, width), dtype=np.uint16)
    cx0, cx1 = x0 // 16, (x0 + width - 1) // 16
    cz0, cz1 = z0 // 16, (z0 + depth - 1) // 16
    if budget is None:
        budget = WorkBudget.for_chunks((cx1 - cx0 + 1) * (cz1 - cz0 + 1))
    y_range = (base_y // 16, (base_y + height - 1) // 16)
    regions = sorted({(cx >> 5, cz >> 5) for cx in range(cx0, cx1 + 1) for cz in range(cz0, cz1 + 1)})
    for done, (rx, rz) in enumerate(regions):
        raw = region(rx, rz)
        if raw:
            budget.charge("region_bytes", len(raw))

            def wanted(lx, lz, rx=rx, rz=rz):
                return cx0 <= rx * 32 + lx <= cx1 and cz0 <= rz * 32 + lz <= cz1

            for lx, lz, data in region_chunks(raw, wanted):
                cx, cz = rx * 32 + lx, rz * 32 + lz
                budget.charge("chunks", 1)
                _, sections = chunk_sections(parse_nbt(data, budget=budget), y_range=y_range, budget=budget)
                for sy, names, indices in sections:
                    y_start = sy * 16 - base_y
                    if y_start + 16 <= 0 or y_start >= height:
                        continue
                    try:
                        lookup = np.array([registry.id(n) for n in names], dtype=np.uint16)
                    except P.TooManyBlocks:
                        raise too_many_blocks(registry.limit) from None
                    cube = lookup[indices].reshape(16, 16, 16)
                    ys, ye = max(0, -y_start), min(16, height - y_start)
                    xs, xe = max(0, x0 - cx * 16), min(16, x0 + width - cx * 16)
                    zs, ze = max(0, z0 - cz * 16), min(16, z0 + depth - cz * 16)
                    out[y_start + ys:y_start + ye, cz * 16 + zs - z0:cz * 16 + ze - z0,
                        cx * 16 + xs - x0:cx * 16 + xe - x0] = cube[ys:ye, zs:ze, xs:xe]
        if progress:
            progress((done + 1) / len(regions))
    return out
