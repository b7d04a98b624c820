"""A headless Minetest server with an mcpi mod: world set-up, start, wait, stop, and a CLI (one tool, ~400 lines).

Used by `make minetest-start` / `make minetest-stop`, the bridge's integration tests and the bridge
benchmark, so that all three run the server the same way:

    python -m games.minecraft.bridge.minetest_server start --dir var/minetest [--port 4711] [--mod pycraft]
    python -m games.minecraft.bridge.minetest_server stop --dir var/minetest

The mcpi server is Sangkat's own mod (`--mod sangkat`, the default) or Debian's
`minetest-mod-pycraft` (`--mod pycraft`), a real mcpi server by another author that the bridge is
tested against too. pycraft does not run as Debian installs it on Debian 12 (Minetest 5.6 with mod
security): it is copied into the world and four local changes are made to the copy (see
`install_pycraft`); the system's files are never touched.

Debian packages: minetest-server (the binary, in /usr/games), minetest-data (minetest_game, which
provides the default:, wool:, stairs: ... nodes), lua-socket (the mods' TCP socket) and
minetest-mod-pycraft.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MOD_DIR = Path(__file__).resolve().parent.parent / "minetest" / "mods" / "sangkat_mcpi"
# Test-only: beside pycraft, a pretend player's punches, forceloaded areas and a log of chat.
WITNESS_DIR = Path(__file__).resolve().parent.parent / "minetest" / "test_mods" / "sangkat_witness"
PYCRAFT_DIR = Path("/usr/share/games/minetest/mods/pycraft")  # Debian's minetest-mod-pycraft
MODS = ("sangkat", "pycraft")
GAME_ID = "minetest_game"
INSTALL_HINT = ("run `make minetest-server` (installs Debian's minetest-server, minetest-data, lua-socket "
                "and minetest-mod-pycraft)")

# The local changes to our copy of pycraft 0.22 (Debian 12), each (file, text, replacement); every
# text must be found, or the copy is refused (a newer pycraft must be looked at again).
PYCRAFT_CHANGES = (
    # 1. The insecure environment is requested once, by init.lua: Minetest 5.6 hands it only to a
    #    mod's main chunk, so the helpers' own second request got nil and socket.lua failed with
    #    "attempt to index global 'ie'". They reuse init.lua's (a global of the mod environment).
    *((name, "   ie = minetest.request_insecure_environment()",
       "   ie = ie or minetest.request_insecure_environment()") for name in ("socket.lua", "base64.lua", "tools.lua")),
    # 2. Its own socket.lua first on the Lua path: appended last, `require("socket")` found Debian's
    #    lua-socket 3 socket.lua, whose plain `require` mod security disables ("require() is
    #    disabled when mod security is on"); pycraft's copy uses the insecure environment's.
    ("init.lua", 'ie.package.path = ie.package.path .. ";" .. mypath .. "?.lua"',
     'ie.package.path = mypath .. "?.lua;" .. ie.package.path'),
    # 3. A configurable port (setting pycraft.port), instead of 4711 always: tests and the bench
    #    run servers side by side.
    ("init.lua", "socket.bind(remote_address, 4711)",
     'socket.bind(remote_address, tonumber(minetest.settings:get("pycraft.port")) or 4711)'),
    # 4. A server restarted on its port binds again: pycraft's bind() sets reuseaddr on a
    #    socket.tcp(), which Debian's lua-socket 3 creates only at bind, so the option was lost and
    #    a restart failed with "address already in use" while old connections were in TIME_WAIT.
    #    An IPv4 socket exists at once (Sangkat's mod does the same).
    ("socket.lua", "function bind(host, port, backlog)\n    local sock, err = socket.tcp()",
     "function bind(host, port, backlog)\n    local sock, err = (socket.tcp4 or socket.tcp)()"),
)
# pycraft's own override file: loopback only (it binds every interface otherwise) and no websocket
# port (a fixed 14711 on every interface).
PYCRAFT_OVERRIDE = "restrict_to_local_connections = true\nsupport_websockets = false\n"


class MinetestMissing(RuntimeError):
    pass


def find_binary() -> str:
    """The minetestserver binary; Debian puts it in /usr/games, which is often not on PATH."""
    found = shutil.which("minetestserver") or shutil.which("minetestserver", path="/usr/games")
    if not found:
        raise MinetestMissing(f"minetestserver is not installed: {INSTALL_HINT}.")
    return found


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and link.resolve() == target:
        return
    _remove(link)
    link.symlink_to(target, target_is_directory=True)


def install_pycraft(into: Path, source: Path = PYCRAFT_DIR) -> Path:
    """Copy Debian's pycraft mod to `into` (replacing an older copy) with the local changes made.

    The copy is what the server loads: pycraft also writes its settings.conf next to its code,
    which it must never do to the system's files.
    """
    if not (source / "init.lua").is_file():
        raise MinetestMissing(f"Debian's minetest-mod-pycraft is not installed ({source}): {INSTALL_HINT}.")
    for name, text, _replacement in PYCRAFT_CHANGES:  # all or nothing: check before copying
        if text not in (source / name).read_text(encoding="utf-8"):
            raise RuntimeError(f"{source / name} no longer contains {text!r}: this pycraft is not the "
                               "0.22 that games/minecraft/bridge/minetest_server.py knows how to change")
    _remove(into)
    shutil.copytree(source, into, symlinks=False, ignore=shutil.ignore_patterns("mcpipy"))
    for name, text, replacement in PYCRAFT_CHANGES:
        path = into / name
        path.write_text(path.read_text(encoding="utf-8").replace(text, replacement), encoding="utf-8")
    (into / "override.conf").write_text(PYCRAFT_OVERRIDE)
    return into


def write_world(directory: Path, *, mcpi_port: int, game_port: int, mapgen: str = "singlenode",
                test_commands: bool = False, mod: str = "sangkat", unload_after: float | None = None) -> Path:
    """Create (or refresh the settings of) a world in `directory`/world; returns the config path.

    `mod` is the mcpi server: "sangkat" (Sangkat's mod, linked, so edits to it apply on the next
    start) or "pycraft" (Debian's, copied and changed afresh at every start). `unload_after`
    (seconds) makes the server forget areas no player is near sooner than its default 29 s. The map
    itself is kept between runs.
    """
    if mod not in MODS:
        raise ValueError(f"unknown mcpi mod {mod!r}: one of {', '.join(MODS)}")
    directory = Path(directory).resolve()
    world = directory / "world"
    mods = world / "worldmods"
    mods.mkdir(parents=True, exist_ok=True)
    for name in ("sangkat_mcpi", "pycraft", "sangkat_witness"):
        _remove(mods / name)
    if mod == "sangkat":
        _link(mods / "sangkat_mcpi", MOD_DIR)
    else:
        install_pycraft(mods / "pycraft")
        if test_commands:
            _link(mods / "sangkat_witness", WITNESS_DIR)
    world_mt = world / "world.mt"
    if not world_mt.exists():
        world_mt.write_text(
            f"gameid = {GAME_ID}\nbackend = sqlite3\nplayer_backend = sqlite3\nauth_backend = sqlite3\n"
            "mod_storage_backend = sqlite3\ncreative_mode = true\nenable_damage = false\n"
        )
    config = directory / "minetest.conf"
    if mod == "sangkat":
        mod_settings = [
            "secure.trusted_mods = sangkat_mcpi",
            f"sangkat_mcpi.port = {mcpi_port}",
            "sangkat_mcpi.bind = 127.0.0.1",
            f"sangkat_mcpi.test_commands = {'true' if test_commands else 'false'}",
        ]
    else:
        mod_settings = [
            "secure.trusted_mods = pycraft",
            f"pycraft.port = {mcpi_port}",  # a setting of our copy (PYCRAFT_CHANGES 3)
            # The witness forceloads whole plots where a test puts a player.
            *(["max_forceloaded_blocks = 4096"] if test_commands else []),
        ]
    if unload_after is not None:
        mod_settings.append(f"server_unload_unused_data_timeout = {unload_after:g}")
    config.write_text("\n".join([
        "# Written by games/minecraft/bridge/minetest_server.py: edit that file, not this one.",
        "secure.enable_security = true",
        *mod_settings,
        f"port = {game_port}",
        # Players on the center's LAN join the game port; the mcpi port stays on loopback.
        "server_announce = false",
        "server_name = Sangkat",
        "motd = Sangkat co-design session",
        f"mg_name = {mapgen}",
        # Ground at y 63 as in the Java worlds Sangkat writes (games/minecraft/volume.py).
        "mgflat_ground_level = 63",
        "mg_flags = nocaves,nodungeons,light,nodecorations",
        "mgflat_spflags = nolakes,nohills,nocaverns",
        # Constant heat and humidity: minetest_game's grassland biome everywhere (grass on dirt),
        # never a desert or snow under a site.
        "mg_biome_np_heat = 50, 0, (1000, 1000, 1000), 5349, 3, 0.5, 2.0",
        "mg_biome_np_heat_blend = 0, 0, (8, 8, 8), 13, 2, 1.0, 2.0",
        "mg_biome_np_humidity = 35, 0, (1000, 1000, 1000), 842, 3, 0.5, 2.0",
        "mg_biome_np_humidity_blend = 0, 0, (8, 8, 8), 90003, 2, 1.0, 2.0",
        "static_spawnpoint = 0,65,0",
        "creative_mode = true",
        "enable_damage = false",
        "enable_pvp = false",
        "only_peaceful_mobs = true",
        "disable_fire = true",
        "enable_tnt = false",
        "time_speed = 0",
        "world_start_time = 12000",
        "default_privs = interact, shout, fly, fast",
        # Shorter steps make each getter's round trip shorter (the mod answers once per step).
        "dedicated_server_step = 0.02",
        "enable_rollback_recording = false",
        "",
    ]))
    return config


@dataclass
class MinetestServer:
    """A minetestserver process for one world directory."""

    directory: Path
    mcpi_port: int = 4711
    game_port: int = 30000
    mapgen: str = "singlenode"
    test_commands: bool = False
    mod: str = "sangkat"
    unload_after: float | None = None
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return Path(self.directory) / "debug.txt"

    def start(self, *, wait: float = 60.0, detach: bool = False) -> None:
        binary = find_binary()
        config = write_world(Path(self.directory), mcpi_port=self.mcpi_port, game_port=self.game_port,
                             mapgen=self.mapgen, test_commands=self.test_commands, mod=self.mod,
                             unload_after=self.unload_after)
        world = Path(self.directory).resolve() / "world"
        command = [binary, "--world", str(world), "--config", str(config), "--gameid", GAME_ID,
                   "--port", str(self.game_port), "--logfile", str(self.log_path.resolve()), "--quiet"]
        self.process = subprocess.Popen(
            command, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=detach,
        )
        self.wait_until_ready(wait)

    def wait_until_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.mcpi_port), timeout=1):
                    return
            except OSError:
                pass
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"minetestserver exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"minetestserver did not open port {self.mcpi_port} within {seconds:g} s:\n{self.log_tail()}")
            time.sleep(0.1)  # polling a port that is not open yet; not a test sleep

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """Die at once, as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop cleanly (the map is saved)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _pid_file(directory: Path) -> Path:
    return Path(directory) / "minetestserver.pid"


def _command_line(pid: int) -> list[str] | None:
    """The command line of process `pid` (Linux /proc), or None when no such process runs."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    if not raw:  # a zombie, or a kernel thread: not a running server
        return None
    return [part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0")]


def is_our_server(pid: int, directory: Path) -> bool:
    """Whether process `pid` is a minetestserver running this directory's world.

    A PID file outlives a crash, and the kernel hands its number to the next process that starts: only
    a process whose command line is minetestserver with `--world <directory>/world` is ours.
    """
    command = _command_line(pid)
    if not command or Path(command[0]).name != "minetestserver":
        return False
    world = str(Path(directory).resolve() / "world")
    return any(a == "--world" and b == world for a, b in zip(command, command[1:], strict=False))


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def read_pid_file(directory: Path) -> tuple[int, int | None] | None:
    """(pid, mcpi port) from the PID file, or None when there is none or it is unreadable."""
    try:
        lines = _pid_file(directory).read_text().split()
        pid = int(lines[0])
        port = int(lines[1]) if len(lines) > 1 else None
    except (OSError, ValueError, IndexError):
        return None
    return (pid, port) if pid > 0 else None


def _stop(directory: Path) -> int:
    pid_file = _pid_file(directory)
    recorded = read_pid_file(directory)
    if recorded is None:
        pid_file.unlink(missing_ok=True)
        print("no Minetest server was started here")
        return 0
    pid, _port = recorded
    if not is_our_server(pid, directory):
        # Never signal a process we cannot prove is ours: after a crash its PID may be anyone's.
        pid_file.unlink()
        print(f"the Minetest server had already stopped (pid {pid} is not it any more); "
              "removed the stale PID file")
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        print("the Minetest server had already stopped")
        return 0
    deadline = time.monotonic() + 30
    while is_our_server(pid, directory) and time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for the server to save its map and exit; not a test sleep
    if is_our_server(pid, directory):
        print(f"minetestserver (pid {pid}) did not stop within 30 s", file=sys.stderr)
        return 1
    pid_file.unlink()
    print(f"stopped minetestserver (pid {pid})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", default="var/minetest", help="world directory (default var/minetest)")
    parser.add_argument("--port", type=int, default=4711, help="mcpi port on loopback (default 4711)")
    parser.add_argument("--game-port", type=int, default=30000, help="UDP port players join (default 30000)")
    parser.add_argument("--mapgen", default="flat", help="map generator for a new world (default flat)")
    parser.add_argument("--mod", choices=MODS, default="sangkat",
                        help="the mcpi server: Sangkat's mod (default) or Debian's pycraft")
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    pid_file = _pid_file(directory)
    if args.action == "stop":
        return _stop(directory)
    recorded = read_pid_file(directory)
    if recorded is not None and is_our_server(recorded[0], directory):
        pid, port = recorded
        port = port or args.port
        if port_answers(port):
            print(f"a Minetest server already runs for {directory} (pid {pid}, mcpi on 127.0.0.1:{port}; "
                  "make minetest-stop stops it)")
            return 0
        print(f"a Minetest server runs for {directory} (pid {pid}) but nothing answers on mcpi port "
              f"{port}: see {directory / 'debug.txt'}, or make minetest-stop and start again",
              file=sys.stderr)
        return 1
    if pid_file.exists():
        pid_file.unlink()
        print("removed a stale PID file (the server it named is not running)")
    if port_answers(args.port):
        print(f"port {args.port} is already taken by another program: choose another with --port",
              file=sys.stderr)
        return 1
    server = MinetestServer(directory, mcpi_port=args.port, game_port=args.game_port, mapgen=args.mapgen,
                            mod=args.mod)
    try:
        server.start(detach=True)
    except (MinetestMissing, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    pid_file.write_text(f"{server.process.pid}\n{args.port}\n")
    print(f"Minetest server running ({args.mod}): mcpi on 127.0.0.1:{args.port}, players join UDP port {args.game_port}; "
          f"log {server.log_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
