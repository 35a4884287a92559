"""nnlab.sandbox: limits on time, memory and output, and the private result channel."""

import os
import sys

from nnlab.sandbox import CappedReader, run_sandboxed


def run_python(tmp_path, code, **limits):
    limits = {"timeout": 60, "memory_mb": 2000, **limits}
    return run_sandboxed([sys.executable, "-c", code], str(tmp_path), limits.pop("timeout"),
                         limits.pop("memory_mb"), {"PYTHONPATH": os.getcwd()}, **limits)


def test_records_travel_apart_from_the_output(tmp_path):
    result = run_python(tmp_path, "from nnlab.sandbox import send_record\n"
                                  "print('hello'); send_record(answer=42); send_record(done=True)")
    assert result.returncode == 0 and not result.timed_out
    assert result.output == "hello\n"
    assert result.records == [{"answer": 42}, {"done": True}]


def test_working_folder_and_minimal_environment(tmp_path):
    result = run_python(tmp_path, "import os; print(os.getcwd()); print(sorted(os.environ))")
    lines = result.output.splitlines()
    assert lines[0] == str(tmp_path)
    assert "HOME" in lines[1] and "PYTEST_CURRENT_TEST" not in lines[1]


def test_time_limit_ends_the_whole_process_group(tmp_path):
    code = ("import subprocess, sys; subprocess.Popen(['sleep', '600']); "
            "print('started', flush=True); sys.stdin = None\nwhile True: pass")
    result = run_python(tmp_path, code, timeout=3)
    assert result.timed_out and result.returncode == -9
    assert result.output.startswith("started")


def test_address_space_limit_gives_memory_error(tmp_path):
    result = run_python(tmp_path, "x = bytearray(8 * 2**30)", memory_mb=1000)
    assert result.returncode == 1 and "MemoryError" in result.output


def test_resident_memory_watch_where_address_space_is_not_limited(tmp_path):
    result = run_python(tmp_path, "x = b'x' * (3 * 2**30)", memory_mb=300,
                        limit_address_space=False)
    assert result.memory_exceeded and result.returncode == -9


def test_output_is_capped_to_head_and_tail(tmp_path):
    result = run_python(tmp_path, "print('first'); print('x' * 5_000_000); print('last')")
    assert result.output_bytes > 5_000_000
    assert len(result.output) < 20_000
    assert result.output.startswith("first") and result.output.rstrip().endswith("last")
    assert "bytes left out" in result.output


def test_capped_reader_keeps_short_output_whole(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(b"a" * 5000 + b"b" * 100)
    reader = CappedReader(open(path, "rb"), head=4000, tail=12000)
    reader.join()
    assert reader.text() == "a" * 5000 + "b" * 100
