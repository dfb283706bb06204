"""Start one command and report its wall time, CPU time, exit status and peak RSS as JSON.

    python -I -S benchmarks/launch.py RESULT_JSON STDOUT STDERR TIMEOUT_S -- CMD...

Why a separate, tiny process: Linux carries a process's RSS high-water mark across `exec`, and a
child spawned straight from the benchmark runner (vfork/posix_spawn share the parent's memory)
would report the *runner's* peak RSS (~100 MB) as its own. Spawned from this launcher, whose RSS is
about 9 MB, the figure is the child's own peak (never below that floor). Deliberately standalone:
standard library only, no package imports.
"""

import json
import os
import signal
import sys
import time


def main() -> None:
    result, stdout, stderr, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, stdout, flags, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, stderr, flags, 0o644),
    ]
    started = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
    signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))  # a runaway child
    signal.alarm(max(1, int(timeout)))
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    signal.alarm(0)
    with open(result, "w") as f:
        json.dump(
            {
                "wall_s": wall,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "returncode": os.waitstatus_to_exitcode(status),
                "maxrss_kb": usage.ru_maxrss,
            },
            f,
        )


if __name__ == "__main__":
    main()
