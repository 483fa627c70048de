"""Output files (issue 11 item 4, issue 10 item 6): only regular files, checked before any work."""

import os
import socket
import subprocess
import sys

import pytest

from compare.cli.files import output_path, write_file
from compare.cli.main import main


def _refused(capsys, *argv):
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == ""  # before any work: nothing was checked or printed
    assert len(err.strip().splitlines()) == 1
    return err


CHECK = ["check", "x*y", "--at", "x=1,y=2"]


def test_a_directory_is_refused(tmp_path, capsys):
    assert "is a directory" in _refused(capsys, *CHECK, "--json", str(tmp_path))


def test_a_fifo_is_refused(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "a FIFO" in _refused(capsys, *CHECK, "--json", str(fifo))
    assert fifo.is_fifo()


def test_a_socket_is_refused(tmp_path, capsys):
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        assert "a socket" in _refused(capsys, *CHECK, "--json", str(path))
    assert path.is_socket()


def test_a_character_device_is_refused_and_left_alone(capsys):
    before = os.stat("/dev/null")
    assert "a character device" in _refused(capsys, *CHECK, "--json", "/dev/null")
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


def test_a_missing_directory_is_refused_for_every_output_option(tmp_path, capsys):
    missing = tmp_path / "no" / "such"
    assert "does not exist" in _refused(capsys, *CHECK, "--json", str(missing / "x.json"))
    assert "does not exist" in _refused(capsys, "train", "moons", "--plot", str(missing / "x.png"))
    assert "does not exist" in _refused(capsys, "swell", "--json", str(missing / "x.json"))
    assert not (tmp_path / "no").exists()


def test_a_directory_where_no_file_can_be_made_is_refused(capsys):
    assert "cannot create a file" in _refused(capsys, *CHECK, "--json", "/proc/x.json")


def test_a_symlink_is_written_through_to_its_target(tmp_path, capsys):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main([*CHECK, "--json", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("{")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_the_temporary_file_is_removed_on_failure_and_the_target_kept(tmp_path, error):
    target = tmp_path / "out.json"
    target.write_text("kept")

    def half(fh):
        fh.write("half")
        raise error

    with pytest.raises(error):
        write_file(output_path(str(target)), half)
    assert target.read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_help_says_the_rule():
    out = subprocess.run([sys.executable, "-m", "compare", "check", "--help"], capture_output=True, text=True).stdout
    assert "directory must exist" in out and "symlink" in out
