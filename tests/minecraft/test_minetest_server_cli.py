"""`minetest_server start/stop` (make minetest-start / minetest-stop) do not trust a stale PID file.

A PID file outlives a crash, and the kernel gives its number to the next process: `start` must not
say "already runs" with nothing listening, and `stop` must never signal a process that is not the
server it started. The unrelated process here is a `sleep` this test starts and ends itself.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from games.minecraft.bridge import minetest_server as ms
from games.minecraft.bridge.minetest_server import MinetestMissing, find_binary, free_port, main


@pytest.fixture
def stranger():
    """A process that is not a Minetest server (stands for one that reused the crashed server's PID)."""
    process = subprocess.Popen(["sleep", "120"])
    yield process
    process.kill()
    process.wait(timeout=10)


def _args(directory, port):
    return ["--dir", str(directory), "--port", str(port), "--game-port", str(free_port(kind=2))]


def test_stop_never_signals_a_process_that_reused_the_pid(tmp_path, stranger, capsys):
    (tmp_path / "minetestserver.pid").write_text(f"{stranger.pid}\n4711\n")
    assert main(["stop", "--dir", str(tmp_path)]) == 0
    time.sleep(0.2)  # give a wrongly sent SIGTERM time to land before checking it did not
    assert stranger.poll() is None, "stop killed a process that was not the server"
    assert not (tmp_path / "minetestserver.pid").exists()
    assert "stale PID file" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["", "not a pid", "-1", "0\n"])
def test_an_unreadable_pid_file_is_explained_not_a_traceback(tmp_path, content, capsys, monkeypatch):
    # os.kill is intercepted: to the kernel, pid -1 means every process and 0 the whole process group
    # (the old `stop` sent SIGTERM to both as given). Nothing may be signalled at all.
    signalled = []
    monkeypatch.setattr(ms.os, "kill", lambda pid, sig: signalled.append((pid, sig)))
    (tmp_path / "minetestserver.pid").write_text(content)
    assert main(["stop", "--dir", str(tmp_path)]) == 0
    assert signalled == []
    assert "no Minetest server was started here" in capsys.readouterr().out
    assert not (tmp_path / "minetestserver.pid").exists()


def test_is_our_server_checks_the_command_line(tmp_path, stranger):
    assert not ms.is_our_server(stranger.pid, tmp_path)
    assert not ms.is_our_server(2**22 + 7, tmp_path)  # no such process


def test_start_after_a_crash_starts_a_server_and_stop_stops_only_it(tmp_path, stranger, capsys):
    try:
        find_binary()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    port = free_port()
    # The server crashed; its PID now belongs to an unrelated process.
    (tmp_path / "minetestserver.pid").write_text(f"{stranger.pid}\n{port}\n")
    try:
        assert main(["start", *_args(tmp_path, port)]) == 0
        out = capsys.readouterr().out
        assert "stale PID file" in out and "Minetest server running" in out
        assert ms.port_answers(port), "start reported success with nothing listening"
        pid, recorded_port = ms.read_pid_file(tmp_path)
        assert pid != stranger.pid and recorded_port == port and ms.is_our_server(pid, tmp_path)

        # A second start sees the live server and says so, listening port included.
        assert main(["start", *_args(tmp_path, port)]) == 0
        assert "already runs" in capsys.readouterr().out

        assert main(["stop", "--dir", str(tmp_path)]) == 0
        assert f"stopped minetestserver (pid {pid})" in capsys.readouterr().out
        assert not ms.is_our_server(pid, tmp_path) and not ms.port_answers(port)
        assert stranger.poll() is None
    finally:
        recorded = ms.read_pid_file(tmp_path)
        if recorded and ms.is_our_server(recorded[0], tmp_path):
            subprocess.run(["kill", str(recorded[0])], check=False)


def _listening(port):
    """The IPv4 addresses (hex, as /proc/net/tcp writes them) listening on TCP `port`."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.append(address)
    return found


def _tree(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_pycraft_runs_from_a_changed_copy_and_the_system_files_stay_as_debian_installed_them(tmp_path, capsys):
    """`--mod pycraft` (make minetest-start MINETEST_MOD=pycraft): Debian's mod is copied into the
    world, changed there, and serves mcpi on the port asked for; /usr/share is never written."""
    try:
        find_binary()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    if not (ms.PYCRAFT_DIR / "init.lua").is_file():
        pytest.fail(f"minetest-mod-pycraft is not installed: {ms.INSTALL_HINT}", pytrace=False)
    system = _tree(ms.PYCRAFT_DIR)
    port = free_port()
    try:
        assert main(["start", "--mod", "pycraft", *_args(tmp_path, port)]) == 0
        assert "Minetest server running (pycraft)" in capsys.readouterr().out
        assert ms.port_answers(port)
        # Loopback only (the protocol has no password), and no websocket port (pycraft's is 14711).
        assert _listening(port) == ["0100007F"]
        assert _listening(14711) == []
        copy = tmp_path / "world" / "worldmods" / "pycraft"
        assert not copy.is_symlink()
        assert 'minetest.settings:get("pycraft.port")' in (copy / "init.lua").read_text()
        assert "restrict_to_local_connections = true" in (copy / "override.conf").read_text()
        assert (copy / "settings.conf").exists()  # pycraft writes its settings next to its code
        assert not (tmp_path / "world" / "worldmods" / "sangkat_mcpi").exists()
        assert "secure.trusted_mods = pycraft" in (tmp_path / "minetest.conf").read_text()
    finally:
        assert main(["stop", "--dir", str(tmp_path)]) == 0
    assert _tree(ms.PYCRAFT_DIR) == system


def test_a_pycraft_the_launcher_does_not_know_is_refused_not_half_changed(tmp_path):
    source = tmp_path / "pycraft"
    source.mkdir()
    (source / "init.lua").write_text("local server = socket.bind('*', 4711)\n")
    for name in ("socket.lua", "base64.lua", "tools.lua"):
        (source / name).write_text("   ie = minetest.request_insecure_environment()\n")
    with pytest.raises(RuntimeError, match="no longer contains"):
        ms.install_pycraft(tmp_path / "copy", source)
    assert not (tmp_path / "copy").exists()
    with pytest.raises(MinetestMissing, match="make minetest-server"):
        ms.install_pycraft(tmp_path / "copy", tmp_path / "not-installed")
