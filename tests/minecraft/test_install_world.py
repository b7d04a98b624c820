"""`install_world` on a center PC: a temporary .minecraft, an installed version, no network."""

import json

import pytest
from django.core.management import CommandError, call_command

from games.minecraft.management.commands.install_world import offline_uuid

RELEASED = {"1.18.2": "2022-02-28T10:42:45+00:00", "1.20.4": "2023-12-07T12:56:20+00:00",
            "1.21.4": "2024-12-03T10:12:57+00:00"}


def add_version(folder, version_id, **changes):
    version = folder / "versions" / version_id
    version.mkdir(parents=True)
    data = {
        "id": version_id, "type": "release", "mainClass": "net.minecraft.client.main.Main", "libraries": [],
        "releaseTime": RELEASED.get(version_id, "2023-12-07T12:56:20+00:00"),
        "time": RELEASED.get(version_id, "2023-12-07T12:56:20+00:00"),
        "arguments": {"game": ["--username", "${auth_player_name}", "--version", "${version_name}",
                               "--gameDir", "${game_directory}", "--uuid", "${auth_uuid}"], "jvm": ["-cp", "${classpath}"]},
        "assetIndex": {"id": "12"}, "assets": "12",
    }
    data.update(changes)
    (version / f"{version_id}.json").write_text(json.dumps({k: v for k, v in data.items() if v is not None}))


@pytest.fixture
def dot_minecraft(tmp_path):
    folder = tmp_path / ".minecraft"
    add_version(folder, "1.20.4")
    return folder


@pytest.fixture
def world_file(generated, tmp_path):
    path = tmp_path / "world.zip"
    with generated.world_zip.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("install_world", *args, stdout=out)
    return out.getvalue()


def test_lists_versions_and_prints_an_offline_launch_command(dot_minecraft):
    out = _run("--minecraft-dir", str(dot_minecraft), "--username", "Dara")
    assert "Installed versions: 1.20.4" in out
    assert "net.minecraft.client.main.Main --username Dara --version 1.20.4" in out
    assert offline_uuid("Dara") in out


def test_installs_the_world_under_a_new_name_every_time(dot_minecraft, world_file):
    _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file))
    _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file))
    saves = sorted(p.name for p in (dot_minecraft / "saves").iterdir())
    assert saves == ["Sangkat-Square-workshop", "Sangkat-Square-workshop (2)"]
    for name in saves:
        world = dot_minecraft / "saves" / name
        assert (world / "level.dat").stat().st_size > 0
        assert any((world / "region").glob("r.*.mca"))


def test_a_missing_minecraft_folder_is_explained(tmp_path):
    with pytest.raises(CommandError, match="No Minecraft folder"):
        _run("--minecraft-dir", str(tmp_path / "nowhere"))


def test_offline_uuid_matches_minecraft():
    # The offline UUID Minecraft servers give the name "Notch".
    assert offline_uuid("Notch") == "b50ad385-829d-3141-a216-7e7d7539ba7f"


def test_speaks_khmer_when_asked_as_the_khmer_session_page_shows(dot_minecraft, world_file, tmp_path):
    from django.utils import translation

    out = _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file), "--language", "km")
    with translation.override("km"):
        installed = translation.gettext("World installed: %(folder)s") % {
            "folder": dot_minecraft / "saves" / "Sangkat-Square-workshop"}
        versions = translation.gettext("Installed versions: %(versions)s") % {"versions": "1.20.4"}
        missing = translation.gettext("No file at %(path)s.") % {"path": tmp_path / "none.zip"}
    assert installed != "World installed: " + str(dot_minecraft / "saves" / "Sangkat-Square-workshop")
    assert installed in out and versions in out
    assert "World installed" not in out
    with pytest.raises(CommandError) as refused:
        _run("--minecraft-dir", str(dot_minecraft), "--file", str(tmp_path / "none.zip"), "--language", "km")
    assert str(refused.value) == missing
    # Without --language the site's default (English) is spoken, whatever ran before.
    assert "Installed versions: 1.20.4" in _run("--minecraft-dir", str(dot_minecraft))


def test_its_help_is_in_the_language_asked_for(capsys):
    from django.utils import translation

    from games.minecraft.management.commands.install_world import Command

    with pytest.raises(SystemExit):
        Command().run_from_argv(["manage.py", "install_world", "--help", "--language", "km"])
    shown = capsys.readouterr().out
    with translation.override("km"):
        offline = translation.gettext("offline player name")
    assert offline != "offline player name" and offline in shown
    assert "--language {en,km}" in shown


def test_a_crc_error_half_way_leaves_no_half_written_world(dot_minecraft, world_file):
    import struct
    import zipfile

    data = bytearray(world_file.read_bytes())
    with zipfile.ZipFile(world_file) as archive:
        region = next(i for i in archive.infolist() if i.filename.endswith(".mca"))
    name_len, extra_len = struct.unpack_from("<HH", data, region.header_offset + 26)
    start = region.header_offset + 30 + name_len + extra_len
    data[start + region.compress_size // 2] ^= 0xFF  # stored, so only the CRC notices
    world_file.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged"):
        _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file))
    assert list((dot_minecraft / "saves").iterdir()) == []


def test_a_zip_of_one_mib_entries_is_refused_before_anything_is_written(dot_minecraft, tmp_path):
    import zipfile

    from games.minecraft import anvil

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("w/level.dat", anvil.level_dat(name="t", spawn=(0, 64, 0)))
        for i in range(8):
            archive.writestr(f"w/region/r.{i}.0.mca", bytes(1024 * 1024))
    with pytest.raises(CommandError, match="zip bomb"):
        _run("--minecraft-dir", str(dot_minecraft), "--file", str(bomb))
    assert not (dot_minecraft / "saves").exists() or list((dot_minecraft / "saves").iterdir()) == []


def _launched(out):
    return out.split("--version ")[1].split()[0]


def _saves(folder):
    saves = folder / "saves"
    return sorted(p.name for p in saves.iterdir()) if saves.exists() else []


@pytest.fixture
def three_versions(tmp_path):
    """1.18.2, 1.20.4 and 1.21.4 installed (the old code launched whichever the folder listed first)."""
    folder = tmp_path / ".minecraft"
    for version in ("1.18.2", "1.20.4", "1.21.4"):
        add_version(folder, version)
    return folder


def test_launches_the_version_the_world_was_made_with(three_versions, world_file):
    out = _run("--minecraft-dir", str(three_versions), "--file", str(world_file))
    assert _launched(out) == "1.20.4"  # the generated world's level.dat says 1.20.4


def test_without_a_world_launches_the_newest_release_not_the_first_listed(three_versions):
    add_version(three_versions, "24w14a", type="snapshot", releaseTime="2024-04-03T12:00:00+00:00")
    assert _launched(_run("--minecraft-dir", str(three_versions))) == "1.21.4"


def test_a_newer_release_is_chosen_with_a_warning_when_the_worlds_is_missing(tmp_path, world_file):
    from io import StringIO

    folder = tmp_path / ".minecraft"
    for version in ("1.18.2", "1.21.4"):
        add_version(folder, version)
    out, err = StringIO(), StringIO()
    call_command("install_world", "--minecraft-dir", str(folder), "--file", str(world_file),
                 stdout=out, stderr=err)
    assert _launched(out.getvalue()) == "1.21.4"
    assert "made with Minecraft 1.20.4, which is not installed: launching 1.21.4" in err.getvalue()


def test_a_world_newer_than_every_installed_release_is_refused_before_copying(tmp_path, world_file):
    folder = tmp_path / ".minecraft"
    add_version(folder, "1.18.2")
    with pytest.raises(CommandError, match="made with Minecraft 1.20.4: install that version"):
        _run("--minecraft-dir", str(folder), "--file", str(world_file))
    assert _saves(folder) == []


def test_a_refused_run_leaves_no_copy_of_the_world(dot_minecraft, world_file):
    for _attempt in range(2):
        with pytest.raises(CommandError, match="username"):
            _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file), "--username", "no!")
    with pytest.raises(CommandError, match="not installed here"):
        _run("--minecraft-dir", str(dot_minecraft), "--file", str(world_file), "--game-version", "1.12.2")
    assert _saves(dot_minecraft) == []


@pytest.mark.parametrize("broken", [{"libraries": None}, {"releaseTime": None}, {"libraries": None,
                                                                                  "releaseTime": None}])
def test_a_version_file_without_libraries_or_release_time_is_named_not_a_traceback(
        three_versions, world_file, broken):
    from io import StringIO

    add_version(three_versions, "1.20.6", **broken)
    (three_versions / "versions" / "1.19").mkdir()
    (three_versions / "versions" / "1.19" / "1.19.json").write_text("{not json")
    out, err = StringIO(), StringIO()
    call_command("install_world", "--minecraft-dir", str(three_versions), "--file", str(world_file),
                 stdout=out, stderr=err)
    assert "Version 1.20.6 is left out: its version file is incomplete" in err.getvalue()
    assert "Version 1.19 is left out: its version file cannot be read" in err.getvalue()
    assert _launched(out.getvalue()) == "1.20.4"


def test_an_incomplete_version_asked_for_by_name_is_refused_with_a_message(tmp_path, world_file):
    folder = tmp_path / ".minecraft"
    add_version(folder, "1.20.4", libraries=None)
    add_version(folder, "1.21.4", arguments={"game": "not a list"})
    with pytest.raises(CommandError, match="not installed here"):
        _run("--minecraft-dir", str(folder), "--file", str(world_file), "--game-version", "1.20.4")
    assert _saves(folder) == []
