"""``twilio-lua serve PATH...``: endpoint scripts answering HTTP, as the original platform served them.

Each request is routed to its ``--#ENDPOINT`` section (or ``<path>.<method>.lua`` file), run in the sandbox
with the platform's ``request`` (method, path, parameters from the path and the query, headers, body from
JSON or form data), and answered with ``response.code``, ``response.headers`` and ``response.message``
(tables as JSON; nil as an empty 200). Scripts run on a pool of sandboxes, one per concurrent request, all
sharing one Dispatcher and the same host services. Answers the server makes itself (no route, a body that is
not JSON, a failed script) are JSON error objects ``{error, status}`` of one line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import parse_qsl

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..client.errors import TwilioError
from ..lua.errors import LuaScriptError
from ..lua.host import LuaHost
from ..lua.platform import Endpoint, EndpointError, answer, find_route, load_endpoints, make_request
from ..lua.pool import BlockingScriptPool
from .run import _Failed, add_script_arguments, host_options, load_preload, load_services
from .targets import TargetError, open_keystore, open_target
from .terminal import escape_controls

__all__ = ["EndpointServer", "add_arguments", "run"]

log = logging.getLogger("adapter")

MAX_BODY = 10 * 1024 * 1024
DEFAULT_PORT = 8080


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="files with --#ENDPOINT sections, or endpoints folders (<path>.<method>.lua files)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one and prints it)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback)")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address Twilio calls (behind a tunnel or proxy): what webhook signatures sign")
    parser.add_argument("--workers", type=int, default=8, metavar="N",
                        help="scripts run at the same time (default 8); more requests wait")
    parser.add_argument("--isolated", action="store_true",
                        help="run scripts in worker processes that hold no credentials (a ScriptPool)")
    parser.add_argument("--processes", type=int, default=2, metavar="N",
                        help="worker processes with --isolated (default 2)")
    add_script_arguments(parser)


class EndpointServer:
    """Serves ``endpoints`` on ``host:port`` until :meth:`stop`; usable as a context manager."""

    def __init__(self, endpoints: list[Endpoint], dispatcher: Any, *, services: Mapping[str, Any] | None = None,
                 preload: Iterable[tuple[bytes, str]] = (), host: str = "127.0.0.1", port: int = 0,
                 public_url: str | None = None, workers: int = 8, host_options: Mapping[str, Any] | None = None,
                 log_line: Callable[[str], Any] | None = None, isolated: bool = False, processes: int = 2) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.endpoints = endpoints
        self._dispatcher = dispatcher
        self._services = dict(services or {})
        self._preload = list(preload)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._host_options = dict(host_options or {})
        write = log_line or (lambda line: print(line, file=sys.stderr, flush=True))
        # Log lines quote what scripts print and what clients send (paths): no terminal controls get through.
        self._log_line: Callable[[str], Any] = lambda line: write(escape_controls(line, keep_lines=False))
        self._idle: queue.LifoQueue[LuaHost] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(workers)
        self._pool: BlockingScriptPool | None = None
        if isolated:
            # Scripts run in worker processes; services and validateRequest are carried out here.
            self._pool = BlockingScriptPool(dispatcher, processes=processes, services=self._services,
                                            print=self._script_print, **self._host_options)
        else:
            # Check the services and options now, not on the first request.
            self._idle.put(self._new_host())
        try:
            self._server = make_server(host, port, self._app, threaded=True, request_handler=_QuietHandler)
        except BaseException:
            if self._pool is not None:
                self._pool.close()
            raise
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        host = self._server.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> EndpointServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="twilio-lua-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(5)

    def close(self) -> None:
        """Stop listening and end the worker processes (after :meth:`serve_forever` returned)."""
        self._server.server_close()
        if self._pool is not None:
            self._pool.close()

    def __enter__(self) -> EndpointServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # One request

    def _new_host(self) -> LuaHost:
        return LuaHost(self._dispatcher, services=self._services, print=self._script_print, **self._host_options)

    def _script_print(self, line: str) -> None:
        self._log_line(f"  print: {line}")

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.monotonic()
        request = Request(environ)
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path.rstrip("?")
        note = ""
        try:
            response, note = self._handle(request, environ, target)
        except Exception as exc:  # noqa: BLE001 - the server answers; the log has the details
            log.exception("twilio-lua serve: %s %s failed", request.method, target)
            response, note = _error(500, "the server failed on this request; its log has the details"), \
                f"internal error: {type(exc).__name__}"
        elapsed = (time.monotonic() - started) * 1000
        self._log_line(f"{request.remote_addr or '-'} {request.method} {target} -> {response.status_code} "
                       f"{elapsed:.1f} ms{' ' + note if note else ''}")
        return response(environ, start_response)

    def _handle(self, request: Request, environ: dict[str, Any], target: str) -> tuple[Response, str]:
        found = find_route(self.endpoints, request.method, request.path)
        if found is None:
            routes = [e.route for e in self.endpoints]
            return _error(404, f"no endpoint for {request.method} {request.path}", routes=routes), "no route"
        endpoint, params = found
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, f"the body is larger than {MAX_BODY} bytes"), endpoint.route
        # Read one byte more than allowed: a chunked body has no Content-Length to check first.
        raw = request.stream.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _error(413, f"the body is larger than {MAX_BODY} bytes"), endpoint.route
        try:
            body, raw_text = _body(request, raw)
        except ValueError as exc:
            return _error(400, str(exc)), endpoint.route
        url = (self._public_url or f"{request.scheme}://{request.host}") + target
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        lua_request = make_request(request.method, target, params=params, headers=headers, body=body, url=url,
                                   raw_body=raw_text, route=endpoint.route)
        script_globals = {"request": lua_request, "response": {}, "data": {}}
        try:
            with self._slots:
                if self._pool is not None:
                    result = self._pool.execute(endpoint.source, name=endpoint.chunk, globals=script_globals,
                                                capture=("response",), preload=self._preload)
                else:
                    try:
                        host = self._idle.get_nowait()
                    except queue.Empty:
                        host = self._new_host()
                    try:
                        result = host.execute(endpoint.source, name=endpoint.chunk, globals=script_globals,
                                              capture=("response",), preload=self._preload)
                    finally:
                        self._idle.put(host)
        except LuaScriptError as exc:
            reason = f"{exc.kind}: {_one_line(str(exc))}"
            return _error(503 if exc.kind == "busy" else 500, reason), f"{endpoint.route} {reason}"
        try:
            http = answer(result.value, result.globals.get("response"), replaced="response" in result.replaced,
                          content_type=endpoint.content_type)
        except EndpointError as exc:
            return _error(500, str(exc)), f"{endpoint.route} {exc}"
        return Response(http.body, status=http.status, headers=http.headers), endpoint.route


def _body(request: Request, raw: bytes) -> tuple[Any, str | None]:
    """The body as the platform gave it (a table from JSON or form data, else the text) and the raw text for
    signatures of JSON bodies. ValueError (a 400) for a body that does not parse."""
    if not raw:
        return {}, None
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            text = raw.decode("utf-8")
            return json.loads(text), text
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"the body is not valid JSON: {_one_line(str(exc))}") from None
    if mimetype == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ValueError("the form body is not valid UTF-8") from None
        form: dict[str, Any] = {}
        for key, value in pairs:
            previous = form.get(key)
            form[key] = value if previous is None else (
                [*previous, value] if isinstance(previous, list) else [previous, value])
        return form, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"the {mimetype or 'request'} body is not UTF-8 text") from None
    return text, text


def _error(status: int, message: str, **extra: Any) -> Response:
    body = json.dumps({"error": message, "status": status, **extra}, ensure_ascii=False)
    return Response(body + "\n", status=status, content_type="application/json")


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without its own access log: the server writes one line per request itself."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        if type == "error":
            super().log(type, message, *args)


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        if args.workers < 1:
            raise _Failed("--workers must be at least 1")
        if args.processes < 1:
            raise _Failed("--processes must be at least 1")
        if not 0 <= args.port <= 65535:
            raise _Failed("--port must be from 0 to 65535")
        if args.public_url and not args.public_url.startswith(("http://", "https://")):
            raise _Failed(f"--public-url must start with http:// or https://, got {args.public_url!r}")
        endpoints, plain, modules = load_endpoints(args.paths)
        for file, _ in plain:
            if file in args.paths:
                raise _Failed(f"{file} has no --#ENDPOINT sections (serve runs endpoint files or folders)")
            print(f"twilio-lua: {file} is not an endpoint (no --#ENDPOINT section, not <path>.<method>.lua); "
                  "skipped", file=err)
        if not endpoints:
            raise _Failed("no endpoints to serve in " + ", ".join(args.paths))
        preload = modules + load_preload(args.preload)
        services = load_services(args.services)
        with open_target(args, environ=env, notices=None if getattr(args, "quiet", False) else err) as dispatcher:
            if "Keystore" not in services:
                services["Keystore"] = open_keystore(args)
            try:
                server = EndpointServer(endpoints, dispatcher, services=services, preload=preload, host=args.host,
                                        port=args.port, public_url=args.public_url, workers=args.workers,
                                        host_options=host_options(args), isolated=args.isolated,
                                        processes=args.processes,
                                        log_line=lambda line: print(line, file=err, flush=True))
            except OSError as exc:
                raise _Failed(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
            print(server.url, file=out, flush=True)
            for endpoint in endpoints:
                print(f"twilio-lua:   {endpoint.route:<40} {endpoint.chunk}:{endpoint.line}", file=err, flush=True)
            if modules:
                print("twilio-lua: modules run before each script: " + ", ".join(name for _, name in modules),
                      file=err, flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.close()
    except (_Failed, TargetError, EndpointError) as exc:
        print(f"twilio-lua: {exc}", file=err)
        return 2
    except TwilioError as exc:
        print(f"twilio-lua: {exc.type}: {_one_line(exc.error)}", file=err)
        return 2
    return 0
