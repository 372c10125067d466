"""One logging configuration for the server and the command line, set by the process's entry."""

import json
import os
import subprocess
import sys


def test_our_loggers_speak_at_info_and_chatty_libraries_only_warn():
    script = ("import logging; from registry.logs import configure_logging; configure_logging(); "
              "logging.getLogger('search.drain').info('drained 3'); logging.getLogger('httpx').info('GET /health'); "
              "logging.getLogger('fontTools.subset').info('subsetting')")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "INFO search.drain: drained 3" in done.stderr
    assert "GET /health" not in done.stderr and "subsetting" not in done.stderr


def test_the_command_line_configures_logging_before_any_command():
    script = "import logging, sys; from cli.main import main; sys.argv = ['hopquy', 'db', '--help']\n" \
             "try:\n    main()\nexcept SystemExit:\n    pass\n" \
             "print(logging.getLogger('search').getEffectiveLevel(), logging.getLogger('httpx').getEffectiveLevel())"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == [str(20), str(30)]


def test_json_lines_when_asked():
    script = ("import logging; from registry.logs import configure_logging, request_id; configure_logging(); "
              "request_id.set('r-1'); logging.getLogger('search.drain').warning('behind', extra={'pending': 7})")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "HOPQUY_LOG_FORMAT": "json"})
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert {k: line[k] for k in ("level", "logger", "message", "request_id", "pending")} == {
        "level": "WARNING", "logger": "search.drain", "message": "behind", "request_id": "r-1", "pending": 7}
    assert line["time"].endswith("+00:00")
