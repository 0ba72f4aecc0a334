"""The launcher, as source text run with ``python -I -S -c`` as the last step of every run.

It sets the rlimits in a forked child (no ``preexec_fn``), enforces the wall time, watches
the run's processes and memory, reports the exit status and CPU time on a pipe the program
does not inherit, and cleans up after the program; :mod:`.sandbox` says how, and puts it
on the command line of each isolation level. Its argv: ``<spec as JSON> <report fd> --
<program...>``.
"""

LAUNCHER = r"""
import json, os, resource, signal, sys, time
spec = json.loads(sys.argv[1])
stats = int(sys.argv[2])
argv = sys.argv[4:]
os.set_inheritable(stats, False)
try:
    import ctypes
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
def processes():
    # The user's tasks (RLIMIT_NPROC counts threads): inside a PID namespace, the run's own.
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat("/proc/" + name).st_uid == uid:
                    count += len(os.listdir("/proc/%s/task" % name))
            except OSError:
                pass
    return count
nproc = processes() + spec["processes"]
me = str(os.getpid())
def members(most):
    # The launcher's descendants (a subreaper: processes that left the group or the session
    # come back to it), from the kernel's children lists: cheap, but they can miss processes
    # being created, so a fork storm is also counted by session. None without the lists.
    if not os.path.exists("/proc/%s/task/%s/children" % (me, me)):
        return None
    found, stack = [], [me]
    while stack and len(found) <= most:
        pid = stack.pop()
        try:
            for task in os.listdir("/proc/%s/task" % pid):
                with open("/proc/%s/task/%s/children" % (pid, task)) as f:
                    kids = f.read().split()
                found.extend(kids)
                stack.extend(kids)
        except OSError:
            pass
    return found
def session():
    # Every process in the launcher's session (it leads one): field 6 of /proc/PID/stat.
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and name != me:
            try:
                with open("/proc/%s/stat" % name) as f:
                    if f.read().rsplit(")", 1)[1].split()[3] == me:
                        found.append(name)
            except (OSError, IndexError):
                pass
    return found
def census(tick):
    # The run's processes. In a PID namespace of its own: every process created after the
    # launcher. Otherwise its descendants, and every 20 ms (always, without children lists)
    # its session too.
    if spec["pidns"]:
        return [n for n in os.listdir("/proc") if n.isdigit() and int(n) > int(me)]
    found = members(spec["processes"])
    if found is None or tick % 10 == 0:
        found = list(set(found or ()) | set(session()))
    return found
def kill(pids):
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
def resident(pids):
    # Proportional set size: pages a fork shares with its parent count once, not per process.
    total = 0
    for pid in pids:
        try:
            with open("/proc/%s/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return total
def verdict(tick):
    pids = census(tick)
    if len(pids) > spec["processes"]:
        return "processes"
    if tick % 50 == 0 and resident(pids) > spec["memory"]:
        return "memory"
    return None
child = os.fork()
if child == 0:
    try:
        os.setpgid(0, 0)
        if spec.get("stdin"):
            fd = os.open(spec["stdin"], os.O_RDONLY)
            os.dup2(fd, 0)
            os.close(fd)
        os.nice(spec["nice"])
        for name, soft, hard in spec["rlimits"]:
            resource.setrlimit(getattr(resource, name), (soft, hard))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.execve(argv[0], argv, spec["env"])
    except BaseException as exc:
        os.write(2, ("cannot start %s: %s\n" % (argv[0], exc)).encode())
    os._exit(127)
os.write(stats, (json.dumps({"pgid": child}) + "\n").encode())
expired = []
def expire(signum, frame):
    expired.append(signum)
    try:
        os.killpg(child, signal.SIGKILL)
    except OSError:
        pass
signal.signal(signal.SIGALRM, expire)
signal.signal(signal.SIGTERM, expire)
signal.setitimer(signal.ITIMER_REAL, spec["wall"])
stopped = None
reasons = {
    "processes": "more than %d processes" % spec["processes"],
    "memory": "more than %d MiB of memory in all" % (spec["memory"] >> 20),
}
tick = 0
while True:
    pid, status, usage = os.wait4(child, os.WNOHANG)
    if pid:
        break
    tick += 1
    if stopped is None:
        stopped = verdict(tick)
        if stopped is not None:
            os.write(2, ("\nstopped: %s\n" % reasons[stopped]).encode())
            try:
                os.killpg(child, signal.SIGKILL)
            except OSError:
                pass
            if spec["pidns"]:
                kill(census(0))
    time.sleep(0.002)
signal.setitimer(signal.ITIMER_REAL, 0)
report = {
    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "cpu": usage.ru_utime + usage.ru_stime,
    "maxrss": usage.ru_maxrss,
    "timedOut": signal.SIGALRM in expired,
    "stopped": stopped,
}
os.write(stats, (json.dumps(report) + "\n").encode())
if spec["pidns"]:
    os._exit(0)  # the namespace dies with this launcher (or with bwrap's init after it)
try:
    os.killpg(child, signal.SIGKILL)
except OSError:
    pass
for _ in range(200):
    left = []
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % name) as f:
                if f.read().rsplit(")", 1)[1].split()[1] == me:
                    left.append(int(name))
        except (OSError, IndexError, ValueError):
            pass
    if not left:
        break
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in left:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
os._exit(0)
"""
