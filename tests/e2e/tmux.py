# SPDX-License-Identifier: Apache-2.0
"""A real terminal for the tests of the --top view: a private tmux server
(its own socket and configuration), one window of a given size running a
command through a shell that records the terminal's settings (stty -g)
before and after it and its exit status, then waits to be read. Keys are
sent with send-keys and the screen read with capture-pane."""

import os
import shutil
import subprocess
import time

import pytest

import processes

# The shell survives a Ctrl-C to record the status (a trap with a command,
# unlike an ignored signal, leaves the command's SIGINT as it was).
# Each file is written whole, then renamed, so a reader never sees it half
# written. The shell survives a Ctrl-C to record the status (a trap with a
# command, unlike an ignored signal, leaves the command's SIGINT as it was).
SHELL_WRAPPER = ('trap : INT; d=$1; shift; stty -g > "$d/tmp"; mv "$d/tmp" "$d/stty.before"; '
                 '"$@"; echo "$?" > "$d/tmp"; stty -g > "$d/tmp2"; mv "$d/tmp2" "$d/stty.after"; '
                 'mv "$d/tmp" "$d/status"; exec sleep 600')


def available():
    """None if tmux can be used, else why not."""
    if shutil.which("tmux") is None:
        return "tmux is not installed (scripts/deps.sh installs it)"
    return None


class Terminal(object):
    def __init__(self, workdir, width=100, height=30):
        self.dir = str(workdir)
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.width, self.height = width, height
        conf = os.path.join(self.dir, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g default-terminal screen\nset -g status off\n"
                    "set -g remain-on-exit on\n")
        self.base = ["tmux", "-S", self.socket, "-f", conf]

    def tmux(self, *args):
        out = subprocess.run(self.base + list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=30)
        if out.returncode != 0:
            raise AssertionError("tmux %s: %s" % (" ".join(args),
                                                  out.stderr.decode().strip()))
        return out.stdout.decode("utf-8", "replace")

    def start(self, argv, env=None):
        """Run argv in the window (its environment: ours plus `env`)."""
        command = ["sh", "-c", SHELL_WRAPPER, "sh", self.dir] + [str(a) for a in argv]
        extra = []
        for name, value in sorted((env or {}).items()):
            extra += ["-e", "%s=%s" % (name, value)]
        self.tmux("new-session", "-d", "-s", "top", "-x", str(self.width),
                  "-y", str(self.height), *(extra + [" ".join(
                      shell_quote(c) for c in command)]))

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "top")

    def lines(self):
        return self.screen().split("\n")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "top", *keys)

    def show(self, fmt):
        return self.tmux("display-message", "-p", "-t", "top", fmt).strip()

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "top", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def wait_screen(self, predicate, timeout=15.0, what="the screen"):
        """Wait until predicate(screen text) is true; fail showing it."""
        found = processes.wait_for(lambda: predicate(self.screen()), timeout, 0.05)
        if not found:
            pytest.fail("%s never came; the terminal shows:\n%s" % (what, self.screen()))
        return self.screen()

    def status(self, timeout=15.0):
        """The command's exit status once it has ended (None if it has not)."""
        path = os.path.join(self.dir, "status")
        if not processes.wait_for(lambda: os.path.exists(path), timeout, 0.05):
            return None
        with open(path) as f:
            return int(f.read().strip())

    def stty(self, which):
        path = os.path.join(self.dir, "stty." + which)
        processes.wait_for(lambda: os.path.exists(path), 5.0, 0.05)
        with open(path) as f:
            return f.read().strip()

    def close(self):
        try:
            self.tmux("kill-server")
        except (AssertionError, subprocess.TimeoutExpired):
            pass


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"
