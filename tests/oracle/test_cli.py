"""The embed CLI as a user runs it: a long run stops cleanly on Ctrl-C."""
import os
import signal
import subprocess
import time

import pytest

EMBED = os.environ.get("EMBED_BIN")


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_demo_stops_cleanly_on_sigint(tmp_path):
    out = tmp_path / "model.safetensors"
    proc = subprocess.Popen([EMBED, "demo", "--steps", "100000", "-o", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "training interrupted" in stderr
    assert "training" in stderr and "steps/s" in stderr  # progress was shown
    assert not out.exists()  # nothing half-written


@pytest.mark.skipif(not EMBED, reason="EMBED_BIN not set (ctest sets it)")
def test_unknown_option_is_a_clear_error():
    proc = subprocess.run([EMBED, "demo", "--no-such-option"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "no-such-option" in proc.stderr
