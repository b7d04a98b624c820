"""`install_world` on a center PC: a temporary .minecraft, an installed version, no network."""

import json

import pytest
from django.core.management import CommandError, call_command

from games.minecraft.management.commands.install_world import offline_uuid


@pytest.fixture
def dot_minecraft(tmp_path):
    folder = tmp_path / ".minecraft"
    version = folder / "versions" / "1.20.4"
    version.mkdir(parents=True)
    (version / "1.20.4.json").write_text(json.dumps({
        "id": "1.20.4", "type": "release", "mainClass": "net.minecraft.client.main.Main", "libraries": [],
        "releaseTime": "2023-12-07T12:56:20+00:00", "time": "2023-12-07T12:56:20+00:00",
        "arguments": {"game": ["--username", "${auth_player_name}", "--version", "${version_name}",
                               "--gameDir", "${game_directory}", "--uuid", "${auth_uuid}"], "jvm": ["-cp", "${classpath}"]},
        "assetIndex": {"id": "12"}, "assets": "12",
    }))
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
