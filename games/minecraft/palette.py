"""The single source of which Minecraft block each site kind becomes: modern block state (world
saves), legacy (id, data) pair (the mcpi live bridge), default category and render colour."""

from __future__ import annotations

from dataclasses import dataclass

# The game version Sangkat writes world saves for (README, docs/decisions.md).
MINECRAFT_VERSION = "1.20.4"
DATA_VERSION = 3700

CATEGORIES = ("greenery", "water", "seating", "lighting", "shade", "paths", "play", "buildings", "other")

# Colours for renders and legends, by category (a block's own colour wins when it has one).
CATEGORY_COLOURS = {
    "greenery": (76, 153, 60), "water": (52, 110, 200), "seating": (160, 110, 50),
    "lighting": (255, 214, 64), "shade": (200, 90, 160), "paths": (190, 180, 150),
    "play": (240, 120, 40), "buildings": (220, 220, 215), "other": (130, 130, 130),
}


@dataclass(frozen=True)
class BlockInfo:
    name: str  # namespaced block id without properties, e.g. "minecraft:oak_log"
    legacy: tuple[int, int]  # (id, data) for mcpi / RaspberryJuice / Sangkat's Minetest mod
    colour: tuple[int, int, int]
    properties: tuple[tuple[str, str], ...] = ()  # written to world saves with the block


AIR = "minecraft:air"

BLOCKS: dict[str, BlockInfo] = {b.name: b for b in (
    BlockInfo(AIR, (0, 0), (0, 0, 0)),
    BlockInfo("minecraft:bedrock", (7, 0), (60, 60, 60)),
    BlockInfo("minecraft:stone", (1, 0), (125, 125, 125)),
    BlockInfo("minecraft:dirt", (3, 0), (134, 96, 67)),
    BlockInfo("minecraft:grass_block", (2, 0), (95, 159, 53), (("snowy", "false"),)),
    BlockInfo("minecraft:gray_concrete", (251, 7), (70, 73, 77)),  # roads: asphalt
    BlockInfo("minecraft:stone_bricks", (98, 0), (190, 180, 150)),  # footpaths
    BlockInfo("minecraft:gravel", (13, 0), (170, 160, 150)),
    BlockInfo("minecraft:dirt_path", (208, 0), (148, 122, 65)),
    BlockInfo("minecraft:smooth_stone", (43, 8), (205, 200, 190)),  # plaza paving
    BlockInfo("minecraft:white_concrete", (251, 0), (226, 226, 222)),  # building walls
    BlockInfo("minecraft:orange_terracotta", (159, 1), (190, 100, 60)),  # roofs
    BlockInfo("minecraft:oak_log", (17, 0), (110, 85, 50), (("axis", "y"),)),
    BlockInfo("minecraft:oak_leaves", (18, 0), (40, 120, 30),
              (("distance", "1"), ("persistent", "true"), ("waterlogged", "false"))),
    BlockInfo("minecraft:water", (9, 0), (52, 110, 200), (("level", "0"),)),
    BlockInfo("minecraft:oak_stairs", (53, 0), (160, 110, 50),
              (("facing", "north"), ("half", "bottom"), ("shape", "straight"), ("waterlogged", "false"))),
    BlockInfo("minecraft:oak_slab", (126, 0), (175, 130, 70), (("type", "bottom"), ("waterlogged", "false"))),
    BlockInfo("minecraft:oak_fence", (85, 0), (90, 70, 40),
              (("east", "false"), ("north", "false"), ("south", "false"), ("waterlogged", "false"),
               ("west", "false"))),
    BlockInfo("minecraft:glowstone", (89, 0), (255, 214, 64)),
    BlockInfo("minecraft:cobblestone_wall", (139, 0), (110, 110, 110),
              (("east", "none"), ("north", "none"), ("south", "none"), ("up", "true"),
               ("waterlogged", "false"), ("west", "none"))),
    BlockInfo("minecraft:oak_sign", (63, 0), (190, 150, 90), (("rotation", "0"), ("waterlogged", "false"))),
    BlockInfo("minecraft:poppy", (38, 0), (200, 40, 40)),
    BlockInfo("minecraft:short_grass", (31, 1), (110, 170, 70)),
    BlockInfo("minecraft:sand", (12, 0), (219, 207, 163)),
    BlockInfo("minecraft:glass", (20, 0), (200, 230, 240)),
    BlockInfo("minecraft:cobblestone", (4, 0), (120, 120, 120)),
    BlockInfo("minecraft:oak_planks", (5, 0), (162, 130, 78)),
    BlockInfo("minecraft:bricks", (45, 0), (150, 90, 70)),
    BlockInfo("minecraft:torch", (50, 0), (255, 200, 60)),
    BlockInfo("minecraft:sea_lantern", (169, 0), (220, 235, 230)),
    BlockInfo("minecraft:hay_block", (170, 0), (200, 170, 40), (("axis", "y"),)),
    BlockInfo("minecraft:white_wool", (35, 0), (235, 235, 235)),
    BlockInfo("minecraft:oak_sapling", (6, 0), (70, 140, 40), (("stage", "0"),)),
)}

# What each site kind is made of.
KIND_SURFACE = {
    "grass": "minecraft:grass_block",
    "road": "minecraft:gray_concrete",
    "path": "minecraft:stone_bricks",
    "plaza": "minecraft:smooth_stone",
    "water": "minecraft:water",
}
BUILDING_WALL = "minecraft:white_concrete"
BUILDING_ROOF = "minecraft:orange_terracotta"
BUILDING_FLOOR = "minecraft:smooth_stone"
WALL = "minecraft:cobblestone_wall"
TREE_TRUNK = "minecraft:oak_log"
TREE_LEAVES = "minecraft:oak_leaves"
BENCH = "minecraft:oak_stairs"
LIGHT_POST = "minecraft:oak_fence"
LIGHT = "minecraft:glowstone"
SIGN = "minecraft:oak_sign"
GROUND = "minecraft:grass_block"
SUBSOIL = "minecraft:dirt"
ROCK = "minecraft:stone"
FLOOR = "minecraft:bedrock"

# Default block -> category rules, seeded into the admin-editable table by a data migration.
# A pattern is a block id, or a glob such as "minecraft:*_stairs"; the most specific wins.
DEFAULT_CATEGORY_RULES = [
    ("minecraft:grass_block", "greenery"), ("minecraft:*_leaves", "greenery"),
    ("minecraft:*_log", "greenery"), ("minecraft:*_sapling", "greenery"), ("minecraft:short_grass", "greenery"),
    ("minecraft:tall_grass", "greenery"), ("minecraft:fern", "greenery"), ("minecraft:poppy", "greenery"),
    ("minecraft:dandelion", "greenery"), ("minecraft:*_tulip", "greenery"), ("minecraft:moss_block", "greenery"),
    ("minecraft:flowering_azalea", "greenery"), ("minecraft:azalea", "greenery"),
    ("minecraft:water", "water"), ("minecraft:*_stairs", "seating"), ("minecraft:*_slab", "seating"),
    ("minecraft:glowstone", "lighting"), ("minecraft:*lantern", "lighting"), ("minecraft:*torch", "lighting"),
    ("minecraft:redstone_lamp", "lighting"), ("minecraft:shroomlight", "lighting"),
    ("minecraft:*_wool", "shade"), ("minecraft:*_carpet", "shade"), ("minecraft:*_banner", "shade"),
    ("minecraft:stone_bricks", "paths"), ("minecraft:gravel", "paths"), ("minecraft:dirt_path", "paths"),
    ("minecraft:cobblestone", "paths"), ("minecraft:polished_andesite", "paths"),
    ("minecraft:hay_block", "play"), ("minecraft:slime_block", "play"), ("minecraft:sand", "play"),
    ("minecraft:ladder", "play"), ("minecraft:scaffolding", "play"),
    ("minecraft:white_concrete", "buildings"), ("minecraft:orange_terracotta", "buildings"),
    ("minecraft:bricks", "buildings"), ("minecraft:*_planks", "buildings"), ("minecraft:glass", "buildings"),
    ("minecraft:*_glass", "buildings"), ("minecraft:*_door", "buildings"), ("minecraft:*_terracotta", "buildings"),
]

_LEGACY_TO_NAME = {}
for _info in BLOCKS.values():
    _LEGACY_TO_NAME.setdefault(_info.legacy, _info.name)
    _LEGACY_TO_NAME.setdefault((_info.legacy[0], -1), _info.name)


def legacy(name: str) -> tuple[int, int]:
    """The (id, data) pair the mcpi bridge stamps for a block; unknown blocks become stone."""
    info = BLOCKS.get(name)
    return info.legacy if info else (1, 0)


def from_legacy(block_id: int, data: int = 0) -> str:
    """The block id for a legacy pair read by `getBlocks` (unknown ids keep their number)."""
    return (_LEGACY_TO_NAME.get((block_id, data)) or _LEGACY_TO_NAME.get((block_id, -1))
            or f"legacy:{block_id}")


def colour(name: str, category: str) -> tuple[int, int, int]:
    info = BLOCKS.get(name)
    return info.colour if info else CATEGORY_COLOURS.get(category, CATEGORY_COLOURS["other"])


MAX_BLOCK_NAMES = 4096  # different block ids one capture may bring; vanilla 1.20 has about 1,000
MAX_NAME_LENGTH = 128  # characters of one block id; the longest vanilla id has 45


class TooManyBlocks(ValueError):
    """A world names more different blocks than one capture may hold."""


class Registry:
    """Maps block ids to small integers for numpy volumes (0 is always air). Ids are never
    persisted, names are. Every registry starts with the blocks Sangkat writes, in the same order,
    so a site volume's ids mean the same in all of them. `BASE` holds only those and never grows;
    each capture reads its world into a registry of its own, so what one upload brings (up to
    MAX_BLOCK_NAMES) is forgotten with it and never reaches another capture."""

    def __init__(self, *, limit: int = MAX_BLOCK_NAMES, frozen: bool = False):
        self.limit = limit
        self.names: list[str] = [AIR]
        self.index: dict[str, int] = {AIR: 0}
        for name in BLOCKS:
            if name not in self.index:
                self._add(name)
        self.frozen = frozen

    def _add(self, name: str) -> int:
        found = self.index[name] = len(self.names)
        self.names.append(name)
        return found

    def id(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            if self.frozen:
                raise KeyError(f"{name} is not a block Sangkat writes")
            if len(self.names) >= self.limit:
                raise TooManyBlocks(self.limit)
            found = self._add(name)
        return found


BASE = Registry(frozen=True)
REGISTRY = BASE  # the blocks of site volumes (generation, renders of a site, the live bridge)


def block_id(name: str) -> int:
    """The id of a block Sangkat writes (KeyError for others: those live in a capture's registry)."""
    return BASE.id(name)


def block_name(index: int) -> str:
    return BASE.names[index]
