/**
 * The Python runner: a small script run by `python3` in the instance's child process. Same line protocol as
 * the Node.js runner (protocol.ts): requests as JSON lines on stdin, results and log lines as JSON lines on
 * fd 3. Before loading user code it limits its data segment to the function's memory (RLIMIT_DATA). Calls run
 * on a pool of `FGS_CONCURRENCY` threads (the function's concurrent_num; 1: one at a time), each writing its
 * output tagged with its request id. Kept as a string so the runtime writes it beside the instances, readable
 * by the unprivileged sandbox user.
 */
export const PYTHON_RUNNER_FILE = "fgs_python_runner.py";

/** The runner's source. */
export const PYTHON_RUNNER_SOURCE = String.raw`import concurrent.futures, datetime, importlib.util, io, json, os, sys, threading, time, traceback

_env = os.environ
_out = os.fdopen(3, "w", encoding="utf-8", buffering=1)
_stdin = sys.stdin
sys.stdin = open(os.devnull, "r")
_lock = threading.Lock()
_call = threading.local()
_workers = max(1, int(_env.pop("FGS_CONCURRENCY", "1") or "1"))


def _send(msg):
    line = json.dumps(msg) + "\n"
    with _lock:
        _out.write(line)
        _out.flush()


class _LogStream(io.TextIOBase):
    """stdout/stderr replacement: every write goes through fd 3, in order with the results."""

    def __init__(self, name):
        self._name = name

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            s = str(s)
        if s:
            msg = {"type": "log", "stream": self._name, "data": s}
            rid = getattr(_call, "rid", None)
            if rid is not None:
                msg["requestId"] = rid
            _send(msg)
        return len(s)

    def flush(self):
        pass


sys.stdout = _LogStream("stdout")
sys.stderr = _LogStream("stderr")

_mem = int(_env.pop("FGS_MEMORY_LIMIT_BYTES", "0") or "0")
if _mem > 0:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_DATA, (_mem, _mem))
    except Exception as e:  # the machine does not allow it: the limit is not enforced
        print("memory limit not enforced: %s" % e, file=sys.stderr)

_nproc = int(_env.pop("FGS_MAX_PROCESSES", "0") or "0")
if _nproc > 0:
    # Set here rather than by a prlimit exec in front of the interpreter (one process less per cold start): soft and
    # hard, before any user code, so the function's uid cannot raise it.
    import resource
    resource.setrlimit(resource.RLIMIT_NPROC, (_nproc, _nproc))

_nofile = int(_env.pop("FGS_MAX_FILES", "0") or "0")
if _nofile > 0:
    # Descriptors of this instance's processes (each its own count), soft and hard, before any user code.
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (_nofile, _nofile))

_root = _env.get("RUNTIME_CODE_ROOT", ".")
if _root not in sys.path:
    sys.path.insert(0, _root)


class HandlerNotFound(Exception):
    pass


def _load(spec, what):
    dot = spec.rfind(".")
    if dot <= 0 or dot == len(spec) - 1:
        raise HandlerNotFound("%s '%s' is not <module>.<function>" % (what, spec))
    mod_path, fn_name = spec[:dot], spec[dot + 1:]
    candidates = [mod_path + ".py"]
    if "/" not in mod_path:
        candidates.append(mod_path.replace(".", "/") + ".py")
    file = next((os.path.join(_root, c) for c in candidates if os.path.isfile(os.path.join(_root, c))), None)
    if file is None:
        raise HandlerNotFound("%s file not found: %s in the code package" % (what, candidates[-1]))
    name = os.path.relpath(file, _root)[:-3].replace("/", ".")
    if name in sys.modules:
        mod = sys.modules[name]
    else:
        spec_ = importlib.util.spec_from_file_location(name, file)
        mod = importlib.util.module_from_spec(spec_)
        sys.modules[name] = mod
        spec_.loader.exec_module(mod)
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        raise HandlerNotFound("%s '%s' is not a function of %s" % (what, fn_name, os.path.relpath(file, _root)))
    return fn


class _Logger:
    def __init__(self, request_id):
        self._id = request_id

    def _line(self, level, msg, *args):
        text = (msg % args) if args else str(msg)
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sys.stdout.write("%s %s %s %s\n" % (now, self._id, level, text))

    def info(self, msg, *args):
        self._line("INFO", msg, *args)

    def warn(self, msg, *args):
        self._line("WARN", msg, *args)

    warning = warn

    def error(self, msg, *args):
        self._line("ERROR", msg, *args)

    def debug(self, msg, *args):
        self._line("DEBUG", msg, *args)


class Context:
    """The FunctionGraph context object (camelCase methods, as in the service)."""

    def __init__(self, req):
        self._req = req
        self._creds = req.get("credentials") or {}
        try:
            self._user = json.loads(_env.get("RUNTIME_USERDATA") or "{}") or {}
        except ValueError:
            self._user = {}

    def getRequestID(self):
        return self._req["requestId"]

    def getRemainingTimeInMilliSeconds(self):
        return max(0, int(self._req["deadline"] - time.time() * 1000))

    def getUserData(self, key, default=None):
        return self._user.get(key, default)

    def getFunctionName(self):
        return _env.get("RUNTIME_FUNC_NAME")

    def getVersion(self):
        return _env.get("RUNTIME_FUNC_VERSION")

    def getPackage(self):
        return _env.get("RUNTIME_PACKAGE")

    def getProjectID(self):
        return _env.get("RUNTIME_PROJECT_ID")

    def getMemorySize(self):
        return int(_env.get("RUNTIME_MEMORY", "0"))

    def getCPUNumber(self):
        return int(_env.get("RUNTIME_CPU", "0"))

    def getRunningTimeInSeconds(self):
        return int(_env.get("RUNTIME_TIMEOUT", "0"))

    def getAlias(self):
        return self._req.get("alias") or ""

    def getSecurityAccessKey(self):
        return self._creds.get("accessKey", "")

    def getSecuritySecretKey(self):
        return self._creds.get("secretKey", "")

    def getSecurityToken(self):
        return self._creds.get("securityToken", "")

    def getToken(self):
        return self._creds.get("token", "")

    def getLogger(self):
        return _Logger(self._req["requestId"])


def _memory_mb():
    try:
        import resource
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    except Exception:
        return 0


def _error(e):
    traceback.print_exception(type(e), e, e.__traceback__)
    return {"ok": False, "errorMessage": str(e), "errorType": type(e).__name__}


_handler = None


def _init(req):
    global _handler
    try:
        _handler = _load(_env["RUNTIME_HANDLER"], "handler")
        if _env.get("RUNTIME_INITIALIZER_HANDLER"):
            _load(_env["RUNTIME_INITIALIZER_HANDLER"], "initializer")(Context(req))
        _send({"type": "ready", "memoryMB": _memory_mb()})
    except BaseException as e:  # noqa: B036 - a SystemExit in user code fails the initializer too
        shape = _error(e)
        _send({"type": "init-error", "errorMessage": shape["errorMessage"], "errorType": shape["errorType"]})


def _invoke(req):
    _call.rid = req["requestId"]
    try:
        value = _handler(json.loads(req["event"]), Context(req))
        try:
            answer = {"ok": True, "result": json.dumps(value)}
        except (TypeError, ValueError) as e:
            answer = {"ok": False, "errorMessage": "the handler's result cannot be serialized as JSON: %s" % e,
                      "errorType": "ResultNotSerializable"}
    except BaseException as e:  # noqa: B036 - a SystemExit on a worker thread would otherwise leave the call unanswered
        answer = _error(e)
    answer.update({"type": "result", "requestId": req["requestId"], "memoryMB": _memory_mb()})
    _send(answer)


_pool = concurrent.futures.ThreadPoolExecutor(max_workers=_workers)
for _line in _stdin:
    _req = json.loads(_line)
    if _req["type"] == "init":
        _call.rid = _req["requestId"]
        _init(_req)
    elif _workers == 1:
        _invoke(_req)
    else:
        _pool.submit(_invoke, _req)
`;
